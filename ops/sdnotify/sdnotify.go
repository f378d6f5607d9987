// Package sdnotify tells systemd how the service is doing (sd_notify(3)):
// READY=1 once the engine can trade, WATCHDOG=1 pings at half of
// WATCHDOG_USEC while the engine's own liveness check passes, STOPPING=1 on
// shutdown and STATUS=… lines shown by `systemctl status hotpath`. It wraps
// github.com/coreos/go-systemd/v22/daemon and is a no-op when NOTIFY_SOCKET
// is unset (not running under systemd with Type=notify).
package sdnotify

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends notifications to the service manager. Safe for concurrent
// use; cold paths only (each call dials the socket).
type Notifier struct {
	watchdog time.Duration // WATCHDOG_USEC, 0 when the watchdog is off
	pings    atomic.Uint64 // WATCHDOG=1 sent
	missed   atomic.Uint64 // pings withheld because the liveness check failed
}

// New reads WATCHDOG_USEC / WATCHDOG_PID from the environment. An invalid
// WATCHDOG_USEC is an error (systemd never sets one; a typo in a test
// harness should not silently disable the watchdog).
func New() (*Notifier, error) {
	wd, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return nil, fmt.Errorf("sdnotify: %w", err)
	}
	return &Notifier{watchdog: wd}, nil
}

// send delivers one state string; (false, nil) when NOTIFY_SOCKET is unset.
func (n *Notifier) send(state string) (bool, error) {
	ok, err := daemon.SdNotify(false, state)
	if err != nil {
		return false, fmt.Errorf("sdnotify: %s: %w", firstLine(state), err)
	}
	return ok, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Ready sends READY=1 with a STATUS line. Returns whether systemd was told.
func (n *Notifier) Ready(status string) (bool, error) {
	return n.send(daemon.SdNotifyReady + "\nSTATUS=" + oneLine(status))
}

// Stopping sends STOPPING=1 with a STATUS line.
func (n *Notifier) Stopping(status string) (bool, error) {
	return n.send(daemon.SdNotifyStopping + "\nSTATUS=" + oneLine(status))
}

// Status sends STATUS=status (newlines become spaces: one variable per line).
func (n *Notifier) Status(status string) (bool, error) {
	return n.send("STATUS=" + oneLine(status))
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// WatchdogInterval is WATCHDOG_USEC (0 when systemd's watchdog is off).
// Pings go out every half of it.
func (n *Notifier) WatchdogInterval() time.Duration { return n.watchdog }

// Pings counts watchdog pings sent.
func (n *Notifier) Pings() uint64 { return n.pings.Load() }

// Missed counts watchdog pings withheld because alive() said no.
func (n *Notifier) Missed() uint64 { return n.missed.Load() }

// RunWatchdog pings WATCHDOG=1 every WatchdogInterval()/2 until ctx is done,
// but only while alive() returns true: alive should check that the engine's
// loops are making progress (e.g. a heartbeat counter moved since the last
// call), so a wedged engine stops pinging and systemd restarts it. Returns
// at once when the watchdog is off. Run it in its own goroutine.
func (n *Notifier) RunWatchdog(ctx context.Context, alive func() bool) {
	if n.watchdog <= 0 {
		return
	}
	t := time.NewTicker(n.watchdog / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if alive != nil && !alive() {
			n.missed.Add(1)
			continue
		}
		if ok, _ := n.send(daemon.SdNotifyWatchdog); ok {
			n.pings.Add(1)
		}
	}
}

package telegram

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/hotpath/hotpath/ops"
)

// Commands, in /help order.
const (
	cmdHelp = iota
	cmdStatus
	cmdPool
	cmdTrades
	cmdPnL
	cmdLimits
	cmdPause
	cmdResume
	cmdKill
	cmdUnknown
	numCommands
)

var commandNames = [numCommands]string{"help", "status", "pool", "trades", "pnl", "limits", "pause", "resume", "kill", "unknown"}

var commandHelp = [cmdUnknown]string{
	"this list",
	"engine state, feeds, books, pool size",
	"near-miss pool (hot groups)",
	"recent baskets: /trades [n], default 10, max 50",
	"profit and loss",
	"risk limits and their use",
	"stop opening baskets: /pause [reason]",
	"undo /pause (not /kill)",
	"trip the kill switch: /kill, then /kill CODE within the code's lifetime",
}

const (
	poolMax      = 20
	tradesDef    = 10
	tradesMax    = 50
	killCodeSize = 6
)

// command runs one text message from an allowed chat and returns the reply;
// ok is false for messages that are not commands.
func (b *Bot) command(chat int64, text string) (reply string, ok bool) {
	fields := strings.Fields(text)
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "/") {
		return "", false
	}
	name := strings.ToLower(strings.TrimPrefix(fields[0], "/"))
	if i := strings.IndexByte(name, '@'); i >= 0 { // "/status@hotpath_bot" in groups
		name = name[:i]
	}
	args := fields[1:]
	c := cmdUnknown
	for i, n := range commandNames[:cmdUnknown] {
		if n == name {
			c = i
			break
		}
	}
	b.cmdStats[c].Add(1)
	switch c {
	case cmdHelp:
		return helpText(), true
	case cmdStatus:
		return statusText(b.ctrl.Status(), b.now()), true
	case cmdPool:
		return poolText(b.ctrl.Pool(), b.now()), true
	case cmdTrades:
		n := tradesDef
		if len(args) > 0 {
			v, err := strconv.Atoi(args[0])
			if err != nil || v < 1 {
				return "usage: /trades [n], n from 1 to " + strconv.Itoa(tradesMax), true
			}
			n = min(v, tradesMax)
		}
		return tradesText(b.ctrl.Trades(n)), true
	case cmdPnL:
		return pnlText(b.ctrl.PnL()), true
	case cmdLimits:
		return limitsText(b.ctrl.Limits()), true
	case cmdPause:
		reason := strings.Join(args, " ")
		if reason == "" {
			reason = "paused from Telegram"
		}
		b.ctrl.Pause(reason + " (chat " + chatIDString(chat) + ")")
		return "Paused: no new baskets. /resume to continue.", true
	case cmdResume:
		b.ctrl.Resume()
		return "Resumed.", true
	case cmdKill:
		return b.kill(chat, args), true
	}
	return "Unknown command " + fields[0] + ". /help lists the commands.", true
}

// kill implements the two-step kill: "/kill" issues a code bound to the
// chat; "/kill CODE" from the same chat before it expires trips the switch.
// A wrong code cancels the pending one (no guessing).
func (b *Bot) kill(chat int64, args []string) string {
	b.killMu.Lock()
	defer b.killMu.Unlock()
	now := b.now()
	if len(args) == 0 {
		code, err := randomCode(killCodeSize)
		if err != nil {
			return "cannot issue a kill code: " + err.Error()
		}
		b.killCode, b.killChat, b.killExp = code, chat, now.Add(b.cfg.KillCodeTTL)
		return "Confirm the kill switch (no new orders until restart): send /kill " + code +
			" within " + b.cfg.KillCodeTTL.String() + "."
	}
	code, pendingChat, exp := b.killCode, b.killChat, b.killExp
	b.killCode = "" // one attempt per code
	switch {
	case code == "":
		return "No kill pending. Send /kill first."
	case pendingChat != chat:
		return "That code was issued to another chat. Send /kill again."
	case now.After(exp):
		return "Kill code expired. Send /kill again."
	case args[0] != code:
		return "Wrong code; kill cancelled. Send /kill again."
	}
	b.ctrl.Kill("kill switch from Telegram (chat " + chatIDString(chat) + ")")
	return "🛑 Kill switch tripped. No new orders until restart."
}

// randomCode returns n decimal digits from crypto/rand.
func randomCode(n int) (string, error) {
	var sb strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", fmt.Errorf("random: %w", err)
		}
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String(), nil
}

func helpText() string {
	var sb strings.Builder
	sb.WriteString("hotpath commands:")
	for i, h := range commandHelp {
		sb.WriteString("\n/" + commandNames[i] + " — " + h)
	}
	return sb.String()
}

func statusText(s ops.Status, now time.Time) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "hotpath %s — %s mode, %s", s.Version, s.Mode, s.State)
	if s.Reason != "" {
		sb.WriteString(" (" + s.Reason + ")")
	}
	if !s.Started.IsZero() {
		sb.WriteString("\nup " + now.Sub(s.Started).Truncate(time.Second).String())
	}
	fmt.Fprintf(&sb, "\nfeeds %d/%d up\nbooks %d/%d synced, %d excluded\ngroups %d, pool %d, open baskets %d",
		s.FeedsUp, s.FeedsTotal, s.BooksSynced, s.BooksTotal, s.Excluded, s.Groups, s.PoolSize, s.OpenBaskets)
	return sb.String()
}

func poolText(pool []ops.PoolEntry, now time.Time) string {
	if len(pool) == 0 {
		return "Near-miss pool is empty."
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Near-miss pool: %d group(s)", len(pool))
	for i, p := range pool {
		if i == poolMax {
			fmt.Fprintf(&sb, "\n… and %d more", len(pool)-poolMax)
			break
		}
		fmt.Fprintf(&sb, "\n%s %s ×%d: cost %s / payout %s = %s, hot %s",
			p.Event, p.Basket, p.Legs, ops.FormatUSD(p.CostMicros), ops.FormatUSD(p.PayoutMicros),
			ops.FormatRatioBps(p.CostMicros, p.PayoutMicros), now.Sub(p.Since).Truncate(time.Second))
	}
	return sb.String()
}

func tradeLine(t ops.Trade) string {
	return fmt.Sprintf("%s %s: %s shares, cost %s, payout %s, P&L %s [%s, %s]",
		t.Event, t.Basket, ops.FormatShares(t.SharesMicros), ops.FormatUSD(t.CostMicros),
		ops.FormatUSD(t.PayoutMicros), ops.FormatUSD(t.PnLMicros), t.Outcome, t.Status)
}

func tradesText(ts []ops.Trade) string {
	if len(ts) == 0 {
		return "No trades yet."
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Last %d trade(s):", len(ts))
	for _, t := range ts {
		sb.WriteString("\n" + t.Time.UTC().Format("01-02 15:04:05") + " " + tradeLine(t))
	}
	return sb.String()
}

func pnlText(p ops.PnL) string {
	return fmt.Sprintf("P&L realised %s, unrealised %s, today %s\nfees %s\nbaskets %d complete, %d partial, %d unwinds",
		ops.FormatUSD(p.RealizedMicros), ops.FormatUSD(p.UnrealizedMicros), ops.FormatUSD(p.TodayMicros),
		ops.FormatUSD(p.FeesMicros), p.Baskets, p.Partial, p.Unwinds)
}

func limitsText(l ops.Limits) string {
	state := "trading"
	switch {
	case l.Killed:
		state = "KILLED"
	case l.Paused:
		state = "paused"
	}
	return fmt.Sprintf("Limits (%s):\nper basket %s\nper event %s\nexposure %s\nopen baskets %d/%d\ndaily loss %s of %s\norders %d/s, budget left %d",
		state, ops.FormatUSD(l.MaxBasketMicros), ops.FormatUSD(l.MaxEventMicros), ops.FormatUSD(l.ExposureMicros),
		l.OpenBaskets, l.MaxOpenBaskets, ops.FormatUSD(l.DailyLossUsedMicros), ops.FormatUSD(l.DailyLossMicros),
		l.OrdersPerSecond, l.RateBudgetRemaining)
}

// summaryText is the daily summary.
func summaryText(s ops.Status, p ops.PnL, now time.Time) string {
	return "Daily summary " + now.Format("2006-01-02 15:04 MST") + "\n" + statusText(s, now) + "\n" + pnlText(p)
}

// nextDaily returns the first hh:mm in loc strictly after now.
func nextDaily(now time.Time, hh, mm int, loc *time.Location) time.Time {
	n := now.In(loc)
	t := time.Date(n.Year(), n.Month(), n.Day(), hh, mm, 0, 0, loc)
	if !t.After(n) {
		t = time.Date(n.Year(), n.Month(), n.Day()+1, hh, mm, 0, 0, loc)
	}
	return t
}

// runSummary queues the daily summary at SummaryAt every day.
func (b *Bot) runSummary(ctx context.Context) {
	for {
		now := b.now()
		next := nextDaily(now, b.sumH, b.sumM, b.cfg.SummaryLocation)
		t := time.NewTimer(next.Sub(now))
		select {
		case <-t.C:
			b.Notify(KindSummary, summaryText(b.ctrl.Status(), b.ctrl.PnL(), b.now().In(b.cfg.SummaryLocation)))
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

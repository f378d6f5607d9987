package exec

// Veto is why the risk limits refused a basket.
type Veto uint8

// Vetoes.
const (
	VetoNone           Veto = iota
	VetoKilled              // the kill switch is on
	VetoPaused              // trading paused (operator, or a jump cool-down)
	VetoBasketNotional      // the basket costs more than max_basket_notional
	VetoEventExposure       // the event would exceed max_event_exposure
	VetoOpenBaskets         // max_open_baskets reached
	VetoDailyLoss           // today's realised loss reached max_daily_loss

	// Vetoes the executor itself adds around Risk.Check.
	VetoRateBudget // the order budget (or a Retry-After) leaves no room
	VetoInvalid    // the opportunity is not OK or does not match its group
	VetoSizing     // no template and the order could not be signed
	VetoJournal    // the intent could not be journaled
	VetoShutdown   // the executor is not started or is shutting down

	numVetoes
)

var vetoNames = [...]string{"none", "killed", "paused", "basket_notional", "event_exposure", "open_baskets", "daily_loss",
	"rate_budget", "invalid", "sizing", "journal", "shutdown"}

func (v Veto) String() string {
	if int(v) < len(vetoNames) {
		return vetoNames[v]
	}
	return "veto?"
}

// Limits are the risk limits, all money in micro-dollars.
type Limits struct {
	MaxBasketNotional int64
	MaxEventExposure  int64
	MaxOpenBaskets    int
	MaxDailyLoss      int64
}

// Risk enforces Limits. It is owned by the executor goroutine. Exposure is
// what we paid for baskets not yet complete (every leg CONFIRMED), per event
// index; realised loss is today's sum of negative basket outcomes (unwind
// losses, failed settlements), reset by NewDay.
//
// Invariant: open >= 0, exposure[e] >= 0 for every event; Close must be
// called exactly once for every Open, with the same event and notional.
type Risk struct {
	lim      Limits
	open     int
	exposure []int64
	loss     int64 // realised loss today, micro-dollars, >= 0
	killed   bool
	paused   bool
}

// NewRisk returns limits for a universe of nEvents events.
func NewRisk(lim Limits, nEvents int) *Risk {
	return &Risk{lim: lim, exposure: make([]int64, nEvents)}
}

// Check says whether a basket of `notional` on event may be opened now.
func (r *Risk) Check(event int, notional int64) Veto {
	switch {
	case r.killed:
		return VetoKilled
	case r.paused:
		return VetoPaused
	case r.loss >= r.lim.MaxDailyLoss:
		return VetoDailyLoss
	case notional > r.lim.MaxBasketNotional:
		return VetoBasketNotional
	case r.open >= r.lim.MaxOpenBaskets:
		return VetoOpenBaskets
	case r.exposure[event]+notional > r.lim.MaxEventExposure:
		return VetoEventExposure
	}
	return VetoNone
}

// Open records a basket sent.
func (r *Risk) Open(event int, notional int64) {
	r.open++
	r.exposure[event] += notional
}

// Close records a basket finished (complete, unwound or failed) with its
// realised P&L in micro-dollars (negative = loss).
func (r *Risk) Close(event int, notional, pnl int64) {
	r.open--
	r.exposure[event] -= notional
	if pnl < 0 {
		r.loss -= pnl
	}
}

// Kill stops all new baskets until restart. Pause/Resume toggle entries.
func (r *Risk) Kill()   { r.killed = true }
func (r *Risk) Pause()  { r.paused = true }
func (r *Risk) Resume() { r.paused = false }

// NewDay resets the daily loss.
func (r *Risk) NewDay() { r.loss = 0 }

// Killed, Paused, OpenBaskets, Exposure and DailyLoss report state.
func (r *Risk) Killed() bool             { return r.killed }
func (r *Risk) Paused() bool             { return r.paused }
func (r *Risk) OpenBaskets() int         { return r.open }
func (r *Risk) Exposure(event int) int64 { return r.exposure[event] }
func (r *Risk) DailyLoss() int64         { return r.loss }

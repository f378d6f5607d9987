package hist

import "strconv"

// Stage names one measured interval. The engine takes one clock reading at
// each boundary of the hot path and records the differences:
//
//	frame read ─Decode→ decoded ─BookScan→ applied/scanned ─Decide→ decision
//	  ─Build→ request bytes ready ─Write→ bytes written ─Ack→ response parsed
//
// FrameToWire is the total from frame read to bytes written. The remaining
// stages are measured outside that chain: OpportunityLifetime (first seen to
// gone), PoolTime (time an opportunity spent in the near-miss pool) and
// DecisionToAck (decision to the venue's response).
type Stage uint8

// The stages, in hot-path order. NumStages is not a stage; it sizes arrays.
const (
	Decode Stage = iota
	BookScan
	Decide
	Build
	Write
	Ack
	FrameToWire
	OpportunityLifetime
	PoolTime
	DecisionToAck
	NumStages
)

// stageNames are the file and tag names: lower snake case, no spaces or
// commas, so they are valid hlog tags and file names.
var stageNames = [NumStages]string{
	Decode:              "decode",
	BookScan:            "book_scan",
	Decide:              "decide",
	Build:               "build",
	Write:               "write",
	Ack:                 "ack",
	FrameToWire:         "frame_to_wire",
	OpportunityLifetime: "opportunity_lifetime",
	PoolTime:            "pool_time",
	DecisionToAck:       "decision_to_ack",
}

// String returns the stage's file/tag name ("decode", "frame_to_wire", ...),
// or "stage(N)" for a value that is not a stage.
func (s Stage) String() string {
	if s < NumStages {
		return stageNames[s]
	}
	return "stage(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is one of the defined stages.
func (s Stage) Valid() bool { return s < NumStages }

// ParseStage returns the stage whose String is name.
func ParseStage(name string) (Stage, bool) {
	for i, n := range stageNames {
		if n == name {
			return Stage(i), true
		}
	}
	return 0, false
}

// Stages returns every stage in order.
func Stages() []Stage {
	out := make([]Stage, NumStages)
	for i := range out {
		out[i] = Stage(i)
	}
	return out
}

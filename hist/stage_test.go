package hist

import (
	"strings"
	"testing"
)

func TestStageNames(t *testing.T) {
	seen := map[string]Stage{}
	for _, s := range Stages() {
		name := s.String()
		if name == "" || strings.ContainsAny(name, ", \r\n/") {
			t.Errorf("stage %d: name %q is not a valid tag/file name", s, name)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("stages %d and %d share name %q", prev, s, name)
		}
		seen[name] = s
		got, ok := ParseStage(name)
		if !ok || got != s {
			t.Errorf("ParseStage(%q) = %d, %v; want %d, true", name, got, ok, s)
		}
		if !s.Valid() {
			t.Errorf("stage %d not Valid", s)
		}
	}
	if len(seen) != int(NumStages) {
		t.Fatalf("%d names for %d stages", len(seen), NumStages)
	}
	if NumStages.Valid() {
		t.Error("NumStages is Valid")
	}
	if got := Stage(200).String(); got != "stage(200)" {
		t.Errorf("Stage(200).String() = %q", got)
	}
	for _, bad := range []string{"", "Decode", "stage(0)", "frame to wire"} {
		if _, ok := ParseStage(bad); ok {
			t.Errorf("ParseStage(%q) accepted", bad)
		}
	}
}

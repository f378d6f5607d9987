package config

import (
	"fmt"
	"time"

	"github.com/hotpath/hotpath/book"
)

// Dollars is an amount of pUSD in micro-dollars, written in the file as a
// decimal string or number ("0.002", 50).
type Dollars int64

// Shares is a share count in micro-shares ("100", "12.5").
type Shares int64

// Ratio is a dimensionless ratio in millionths ("1.02" = 1_020_000).
type Ratio int64

// Duration is a time.Duration written as "10s", "250ms".
type Duration time.Duration

// UnmarshalText parses an exact decimal.
func (d *Dollars) UnmarshalText(b []byte) error {
	v, err := parseMicro(b)
	*d = Dollars(v)
	return err
}

// UnmarshalText parses an exact decimal.
func (s *Shares) UnmarshalText(b []byte) error {
	v, err := parseMicro(b)
	*s = Shares(v)
	return err
}

// UnmarshalText parses an exact decimal.
func (r *Ratio) UnmarshalText(b []byte) error {
	v, err := parseMicro(b)
	*r = Ratio(v)
	return err
}

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as 10s or 250ms, got %q", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the decimal form.
func (d Dollars) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalText writes the decimal form.
func (s Shares) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalText writes the decimal form.
func (r Ratio) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// MarshalText writes the duration form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d Dollars) String() string  { return "$" + book.Size(d).String() }
func (s Shares) String() string   { return book.Size(s).String() }
func (r Ratio) String() string    { return book.Size(r).String() }
func (d Duration) String() string { return time.Duration(d).String() }

// parseMicro reads a non-negative exact decimal with up to 6 places. TOML
// numbers arrive here as their literal text only when quoted; unquoted
// numbers are handled by UnmarshalTOML below.
func parseMicro(b []byte) (int64, error) {
	v, err := book.ParseSize(b)
	if err != nil {
		return 0, fmt.Errorf("want a non-negative decimal with at most 6 places, got %q", b)
	}
	return int64(v), nil
}

// UnmarshalTOML accepts a TOML number as well as a string. Floats are
// converted through their shortest decimal text, never by multiplication,
// so 0.1 stays exactly 100000 micro-units.
func (d *Dollars) UnmarshalTOML(v any) error { return unmarshalTOMLMicro(v, (*int64)(d)) }

// UnmarshalTOML accepts a TOML number as well as a string.
func (s *Shares) UnmarshalTOML(v any) error { return unmarshalTOMLMicro(v, (*int64)(s)) }

// UnmarshalTOML accepts a TOML number as well as a string.
func (r *Ratio) UnmarshalTOML(v any) error { return unmarshalTOMLMicro(v, (*int64)(r)) }

func unmarshalTOMLMicro(v any, out *int64) error {
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case int64:
		text = fmt.Sprint(x)
	case float64:
		text = fmt.Sprint(x) // shortest round-trip decimal of the literal
	default:
		return fmt.Errorf("want a decimal, got %T", v)
	}
	n, err := parseMicro([]byte(text))
	if err != nil {
		return err
	}
	*out = n
	return nil
}

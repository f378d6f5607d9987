package market

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/hotpath/hotpath/book"
)

// The Gamma and CLOB APIs are loose about types: ids arrive as strings or
// numbers, decimals as JSON numbers or strings, lists as JSON-encoded
// strings, and fields come and go. The types below decode every shape seen
// without failing the whole document, and remember what was absent or
// malformed so the gate can refuse it.

// Flag is a JSON boolean that remembers whether it was present. It accepts
// true/false and the strings "true"/"false"; anything else (null, numbers,
// garbage) leaves it unset, and an unset flag never satisfies a gate.
type Flag struct {
	Set bool // the field was present with a boolean value
	Val bool
}

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (f *Flag) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true", `"true"`:
		*f = Flag{Set: true, Val: true}
	case "false", `"false"`:
		*f = Flag{Set: true, Val: false}
	default:
		*f = Flag{}
	}
	return nil
}

// MarshalJSON writes true, false or null (unset).
func (f Flag) MarshalJSON() ([]byte, error) {
	switch {
	case !f.Set:
		return []byte("null"), nil
	case f.Val:
		return []byte("true"), nil
	}
	return []byte("false"), nil
}

// True reports whether the flag is present and true.
func (f Flag) True() bool { return f.Set && f.Val }

// False reports whether the flag is present and false.
func (f Flag) False() bool { return f.Set && !f.Val }

// Text is a string field that may arrive as a JSON string, a number or a
// boolean (ids do). null, objects and arrays decode to "".
type Text string

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*t = ""
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*t = Text(s)
		}
	case '{', '[', 'n':
	default:
		*t = Text(b)
	}
	return nil
}

// Decimal is the exact decimal text of a number that may arrive as a JSON
// number or a JSON string ("0.01", 0.01, "5", 5, 1e-3). It is parsed into
// fixed point only by the book parsers, never through float64. An absent or
// null field is the empty Decimal.
type Decimal string

// UnmarshalJSON implements json.Unmarshaler; it never fails. Values that are
// not numbers or strings decode to "!" so that parsing them reports an error
// rather than "absent".
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*d = ""
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) != nil {
			*d = "!"
			return nil
		}
		*d = Decimal(strings.TrimSpace(s))
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		*d = Decimal(b) // a json.Number's text, exactly as sent
	default:
		*d = "!"
	}
	return nil
}

// Present reports whether the field carried a value.
func (d Decimal) Present() bool { return d != "" }

// plain returns the decimal without exponent notation ("1e-3" → "0.001").
func (d Decimal) plain() ([]byte, error) {
	s, ok := plainDecimal(string(d))
	if !ok {
		return nil, book.ErrSyntax
	}
	return []byte(s), nil
}

// Tick parses the decimal as a venue tick size.
func (d Decimal) Tick() (book.Tick, error) {
	b, err := d.plain()
	if err != nil {
		return 0, err
	}
	return book.ParseTick(b)
}

// Size parses the decimal as a share quantity in micro-shares.
func (d Decimal) Size() (book.Size, error) {
	b, err := d.plain()
	if err != nil {
		return 0, err
	}
	return book.ParseSize(b)
}

// Rate parses a fraction in [0, 1] ("0.05") into millionths (50_000),
// exactly; more than six decimals is an error, never a rounding.
func (d Decimal) Rate() (int64, error) {
	b, err := d.plain()
	if err != nil {
		return 0, err
	}
	p, err := book.ParsePrice(b) // a price is exactly a [0,1] fraction in millionths
	return int64(p), err
}

// Int parses a non-negative whole number no larger than limit ("1", 1,
// "1.0"); fractions and out-of-range values are errors.
func (d Decimal) Int(limit int64) (int64, error) {
	s, err := d.Size() // millionths, exact
	if err != nil {
		return 0, err
	}
	if s%book.OneShare != 0 {
		return 0, book.ErrSyntax
	}
	v := int64(s / book.OneShare)
	if v > limit {
		return 0, book.ErrRange
	}
	return v, nil
}

// plainDecimal rewrites JSON exponent notation as a plain decimal by moving
// the point; digits are never rounded. Text without an exponent is
// returned unchanged.
func plainDecimal(s string) (string, bool) {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return s, true
	}
	mant, expText := s[:i], s[i+1:]
	exp, err := strconv.Atoi(expText)
	if err != nil || exp < -40 || exp > 40 {
		return "", false
	}
	neg := strings.HasPrefix(mant, "-")
	if neg {
		mant = mant[1:]
	}
	intPart, fracPart, _ := strings.Cut(mant, ".")
	digits := intPart + fracPart
	if digits == "" {
		return "", false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return "", false
		}
	}
	point := len(intPart) + exp
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String(), true
}

// Strings is a list of strings that Gamma sends as a JSON-encoded string
// ("[\"Yes\", \"No\"]"); a real JSON array is accepted too. Numbers inside
// are kept as their text. Malformed input sets Malformed instead of failing
// the document.
type Strings struct {
	Vals      []string
	Set       bool // the field was present and not null
	Malformed bool
}

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (l *Strings) UnmarshalJSON(b []byte) error {
	*l = Strings{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	l.Set = true
	if b[0] == '"' {
		var inner string
		if json.Unmarshal(b, &inner) != nil {
			l.Malformed = true
			return nil
		}
		inner = strings.TrimSpace(inner)
		if inner == "" {
			return nil // "" is an empty list
		}
		b = []byte(inner)
	}
	var items []Text
	if json.Unmarshal(b, &items) != nil {
		l.Malformed = true
		return nil
	}
	l.Vals = make([]string, len(items))
	for i, it := range items {
		l.Vals[i] = string(it)
	}
	return nil
}

// MarshalJSON writes the list as a plain JSON array (null when absent).
func (l Strings) MarshalJSON() ([]byte, error) {
	if !l.Set {
		return []byte("null"), nil
	}
	if l.Vals == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(l.Vals)
}

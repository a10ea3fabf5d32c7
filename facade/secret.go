package facade

import (
	"errors"
	"fmt"
	"log/slog"
)

const redacted = "[REDACTED]"

// Secret holds a password or token. Every way of printing it — String, GoString, any fmt verb, slog and
// JSON — shows [REDACTED]; only Reveal returns the value. It can be read from configuration
// (UnmarshalText), never written back. The value is held by a closure, so that even a
// struct printed by reflection (fmt does not call the methods of unexported fields) shows a function
// address, whatever the verb.
type Secret struct {
	reveal func() string
}

// NewSecret wraps a password or token.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{reveal: func() string { return s }}
}

// Reveal returns the secret's value, for the one place that must send it.
func (s Secret) Reveal() string {
	if s.reveal == nil {
		return ""
	}
	return s.reveal()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.reveal == nil }

// String returns [REDACTED].
func (s Secret) String() string { return redacted }

// GoString returns [REDACTED], so %#v does not show the value either.
func (s Secret) GoString() string { return redacted }

// Format prints [REDACTED] for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog print [REDACTED].
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON writes "[REDACTED]": a Secret never leaves through encoding/json.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText writes [REDACTED].
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// UnmarshalText reads a Secret from text, so that a configuration file (JSON, YAML, TOML, ...) can hold
// one: the text is the value, used exactly as given (nothing is trimmed; empty gives the zero Secret). The
// text [REDACTED] is refused: it is what a Secret marshals to, never a value, and reading it back would
// replace a password with it. Secret has no marshaler that writes its value: marshalling always gives
// [REDACTED].
func (s *Secret) UnmarshalText(text []byte) error {
	if string(text) == redacted {
		return errors.New("facade: the text [REDACTED] is a redacted secret, not a secret's value")
	}
	*s = NewSecret(string(text))
	return nil
}

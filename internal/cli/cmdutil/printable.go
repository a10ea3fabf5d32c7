package cmdutil

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable makes text from a vendor (or anything else not written by unipass) safe to print on a terminal:
// C0 and C1 control characters (ESC, CR, LF, BEL, ...), DEL, bytes that are not UTF-8 and the bidirectional
// embedding, override and isolate characters are replaced by a visible escape (\x1b, \u202e), so a vendor's
// message can neither move the cursor, rewrite a line nor reorder what the user reads.
func Printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isControl(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || isControl(r) {
			return true
		}
		i += size
	}
	return false
}

// isControl reports the characters printable escapes: C0 controls, DEL, C1 controls (U+0080–U+009F) and the
// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

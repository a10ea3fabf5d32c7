package cmdutil

import (
	"bufio"
	"io"
	"strings"
)

// utf8BOM is the byte-order mark spreadsheets write at the start of a UTF-8 CSV file.
const utf8BOM = "\uFEFF"

// StripBOM returns a reader of r without a leading UTF-8 byte-order mark, if r starts with one.
func StripBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(utf8BOM)); err == nil && string(b) == utf8BOM {
		_, _ = br.Discard(len(utf8BOM)) // the bytes were just peeked
	}
	return br
}

// FirstLine is s up to its first line break, without a trailing carriage return.
func FirstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r")
}

package main

import (
	"bufio"
	"io"
)

// utf8BOM is the byte-order mark spreadsheets write at the start of a UTF-8 CSV file.
const utf8BOM = "\uFEFF"

// stripBOM returns a reader of r without a leading UTF-8 byte-order mark, if r starts with one.
func stripBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(utf8BOM)); err == nil && string(b) == utf8BOM {
		_, _ = br.Discard(len(utf8BOM)) // the bytes were just peeked
	}
	return br
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo"}, &out, &errOut)
	assert.Equal(t, 0, code, errOut.String())
	for _, want := range []string{"SetPassword", "ChangePassword", "SendReset", "Requirements", "docspace", "zendesk", "glowmarkt", "unsupported"} {
		assert.Contains(t, out.String(), want)
	}
	assert.NotContains(t, out.String(), "FAILED")
	assert.Equal(t, 1+14+3, strings.Count(out.String(), "\n"), "a header, 12 operation rows and 2 error rows, then a blank line and two summary lines")
	for _, secret := range []string{"fake-Admin-Passw0rd", "fake-zendesk-api-token", "fake-Glow-Passw0rd", "fake-Set-Passw0rd-2"} {
		assert.NotContains(t, out.String()+errOut.String(), secret)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), nil, &out, &errOut))
	assert.Equal(t, 2, run(context.Background(), []string{"nope"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "unknown command")
}

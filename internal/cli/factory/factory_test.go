package factory

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestConfigPath(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the XDG layout")
	}
	for _, tc := range []struct {
		environ  map[string]string
		flag     string
		want     string
		explicit bool
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "", "/x/unipass/config.yaml", false},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/h"}, "", "/h/.config/unipass/config.yaml", false},
		{map[string]string{"HOME": "/h"}, "", "/h/.config/unipass/config.yaml", false},
		{nil, "", "", false},
		{map[string]string{"HOME": "/h"}, "my.yaml", "my.yaml", true},
	} {
		f := &Factory{Getenv: func(k string) string { return tc.environ[k] }}
		got, explicit := f.ConfigPath(tc.flag)
		assert.Equal(t, tc.want, got, tc.environ)
		assert.Equal(t, tc.explicit, explicit)
	}
}

package rotate_test

import (
	"testing"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// benchPolicies are the policies the password benchmarks generate for: none, Zendesk's sentences, and a
// DocSpace policy with an allowed-characters pattern.
var benchPolicies = []struct {
	name   string
	policy *facade.Policy
}{
	{"none", nil},
	{"zendesk", facade.ZendeskPolicy([]string{"must be at least 12 characters", "must include letters in mixed case", "must include a number"})},
	{"docspace-allowed", facade.DocSpacePolicy(facade.DocSpaceSettings{MinLength: 16, UpperCase: true, Digits: true, Symbols: true,
		AllowedCharactersRegexStr: `^[\x21-\x7E]+$`})},
}

// BenchmarkGeneratePassword: one password of the default length (20) per operation, ns/op and allocs/op.
func BenchmarkGeneratePassword(b *testing.B) {
	for _, p := range benchPolicies {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rotate.GeneratePassword(p.policy, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

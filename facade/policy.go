package facade

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RuleKind says what a policy rule checks.
type RuleKind string

// The rule kinds. RuleOther is a rule in the vendor's words that cannot be checked locally (for example
// "must be different from email address"); Check never reports it.
const (
	RuleMinLength RuleKind = "min-length"
	RuleUpper     RuleKind = "upper-case"
	RuleLower     RuleKind = "lower-case"
	RuleMixedCase RuleKind = "mixed-case"
	RuleDigit     RuleKind = "digit"
	RuleSymbol    RuleKind = "symbol"
	RuleLetter    RuleKind = "letter"
	RuleAllowed   RuleKind = "allowed-characters"
	RuleOther     RuleKind = "other"
)

// Rule is one requirement of a password policy, in the vendor's own wording where it has one.
type Rule struct {
	Kind RuleKind
	// Text is the requirement as the vendor states it (Zendesk), or as unipass words a setting (DocSpace).
	Text string
	// N is the number a rule counts (the minimum length).
	N int
	// Pattern is the allowed-characters pattern of a RuleAllowed rule, as the vendor gave it.
	Pattern string

	allowed *regexp.Regexp
}

// Policy is a vendor's password policy: its rules, and what can be read from them. A nil *Policy has no
// rules: its methods answer as for an empty policy, never panic.
type Policy struct {
	Vendor Vendor
	Rules  []Rule
}

// MinLength returns the minimum length the policy asks for, 0 if none.
func (p *Policy) MinLength() int {
	n := 0
	if p == nil {
		return 0
	}
	for _, r := range p.Rules {
		if r.Kind == RuleMinLength && r.N > n {
			n = r.N
		}
	}
	return n
}

// Requires reports whether the policy has a rule of that kind.
func (p *Policy) Requires(k RuleKind) bool {
	return p != nil && slices.ContainsFunc(p.Rules, func(r Rule) bool { return r.Kind == k })
}

// Allowed returns the compiled allowed-characters pattern, nil when the policy has none that Go can read.
func (p *Policy) Allowed() *regexp.Regexp {
	if p == nil {
		return nil
	}
	for _, r := range p.Rules {
		if r.Kind == RuleAllowed && r.allowed != nil {
			return r.allowed
		}
	}
	return nil
}

// Check lists the text of every rule the password does not meet, without a network call. Rules of kind
// RuleOther are not checked. An empty result means the password meets every checkable rule.
func (p *Policy) Check(password Secret) []string {
	if p == nil {
		return nil
	}
	pw := password.Reveal()
	var unmet []string
	for _, r := range p.Rules {
		if !r.met(pw) {
			unmet = append(unmet, r.Text)
		}
	}
	return unmet
}

func (r Rule) met(pw string) bool {
	switch r.Kind {
	case RuleMinLength:
		return utf8.RuneCountInString(pw) >= r.N
	case RuleUpper:
		return strings.IndexFunc(pw, unicode.IsUpper) >= 0
	case RuleLower:
		return strings.IndexFunc(pw, unicode.IsLower) >= 0
	case RuleMixedCase:
		return strings.IndexFunc(pw, unicode.IsUpper) >= 0 && strings.IndexFunc(pw, unicode.IsLower) >= 0
	case RuleDigit:
		return strings.IndexFunc(pw, unicode.IsDigit) >= 0
	case RuleLetter:
		return strings.IndexFunc(pw, unicode.IsLetter) >= 0
	case RuleSymbol:
		return strings.IndexFunc(pw, isSymbol) >= 0
	case RuleAllowed:
		return r.allowed == nil || r.allowed.MatchString(pw)
	}
	return true
}

// isSymbol reports whether r counts as a special symbol: printable, not a letter, digit or space.
func isSymbol(r rune) bool {
	return unicode.IsPrint(r) && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r)
}

// DocSpaceSettings are the fields of DocSpace's password settings that make up a policy: DocSpacePolicy's
// input, for callers that already hold the settings.
type DocSpaceSettings struct {
	MinLength                  int
	UpperCase, Digits, Symbols bool
	AllowedCharactersRegexStr  string
}

// DocSpacePolicy turns DocSpace password settings into a Policy. The allowed-characters pattern is kept
// as given; it is checked only when Go's regexp can compile it (the portal uses .NET syntax). With known
// settings it gives a policy without a network call, for Check or rotate.GeneratePassword (a dry run, a
// portal read once for many users); it is the only way to a Policy whose allowed characters are checked.
func DocSpacePolicy(s DocSpaceSettings) *Policy {
	p := &Policy{Vendor: VendorDocSpace}
	if s.MinLength > 0 {
		p.Rules = append(p.Rules, Rule{Kind: RuleMinLength, N: s.MinLength,
			Text: fmt.Sprintf("must be at least %d characters", s.MinLength)})
	}
	if s.UpperCase {
		p.Rules = append(p.Rules, Rule{Kind: RuleUpper, Text: "must contain an upper-case letter"})
	}
	if s.Digits {
		p.Rules = append(p.Rules, Rule{Kind: RuleDigit, Text: "must contain a digit"})
	}
	if s.Symbols {
		p.Rules = append(p.Rules, Rule{Kind: RuleSymbol, Text: "must contain a special symbol"})
	}
	if s.AllowedCharactersRegexStr != "" {
		re, _ := regexp.Compile(s.AllowedCharactersRegexStr)
		p.Rules = append(p.Rules, Rule{Kind: RuleAllowed, Pattern: s.AllowedCharactersRegexStr, allowed: re,
			Text: "must use only the allowed characters"})
	}
	return p
}

var (
	reAtLeast = regexp.MustCompile(`(?i)at least (\d{1,6})\s+(?:characters?|chars?|letters?)\b`)
	reMinimum = regexp.MustCompile(`(?i)minimum (?:of |is )?(\d{1,6})\s+characters?`)
)

// ZendeskPolicy reads Zendesk's requirement sentences ("must be at least 5 characters", "must include a
// number", ...) into a Policy. Every sentence becomes a rule with its own text; sentences unipass cannot
// read are kept as RuleOther. With known sentences (from an earlier Requirements answer or the account's
// settings page) it gives a policy without a network call.
func ZendeskPolicy(requirements []string) *Policy {
	p := &Policy{Vendor: VendorZendesk}
	for _, text := range requirements {
		p.Rules = append(p.Rules, zendeskRule(text))
	}
	return p
}

func zendeskRule(text string) Rule {
	lower := strings.ToLower(text)
	r := Rule{Kind: RuleOther, Text: text}
	if m := reAtLeast.FindStringSubmatch(text); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			r.Kind, r.N = RuleMinLength, n
		}
		return r
	}
	if m := reMinimum.FindStringSubmatch(text); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			r.Kind, r.N = RuleMinLength, n
		}
		return r
	}
	switch {
	case strings.Contains(lower, "different from") || strings.Contains(lower, "not be") ||
		strings.Contains(lower, "cannot") || strings.Contains(lower, "previous"):
		// a rule about other data (email, old passwords): not checkable here
	case strings.Contains(lower, "mixed case"):
		r.Kind = RuleMixedCase
	case strings.Contains(lower, "upper"):
		r.Kind = RuleUpper
	case strings.Contains(lower, "lower"):
		r.Kind = RuleLower
	case strings.Contains(lower, "number") || strings.Contains(lower, "digit"):
		r.Kind = RuleDigit
	case strings.Contains(lower, "special") || strings.Contains(lower, "symbol") || strings.Contains(lower, "punctuation"):
		r.Kind = RuleSymbol
	case strings.Contains(lower, "letter"):
		r.Kind = RuleLetter
	}
	return r
}

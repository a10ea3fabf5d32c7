package cmdutil

import (
	"fmt"
	"io"

	"github.com/unipass/unipass/facade"
)

// PrintPolicy prints a policy, one rule a line; the vendor's sentences pass through Printable.
func PrintPolicy(w io.Writer, p *facade.Policy) {
	fmt.Fprintf(w, "%s password policy:\n", p.Vendor)
	for _, r := range p.Rules {
		note := ""
		if r.Kind == facade.RuleOther {
			note = "  (not checked here)"
		}
		if r.Kind == facade.RuleAllowed && p.Allowed() == nil {
			note = "  (pattern " + Printable(r.Pattern) + " cannot be checked here)"
		}
		fmt.Fprintf(w, "  - %s%s\n", Printable(r.Text), note)
	}
	if len(p.Rules) == 0 {
		fmt.Fprintln(w, "  (no rules)")
	}
}

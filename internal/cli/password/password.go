package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
)

func (e *env) setCommand(cfg *vendorConfig) *cobra.Command {
	var s secretFlags
	cmd := &cobra.Command{
		Use:   "set USER",
		Short: "Set a user's password (an admin's act; the old password is not needed)",
		Long:  "set sets USER's password, as an admin, without the old one.\n\n" + userArgHelp,
		Example: `  UNIPASS_CREDENTIAL=$ZENDESK_API_TOKEN unipass set 35436 --vendor zendesk \
    --base-url https://example.zendesk.com --auth api-token --user admin@example.com --new-password-stdin < new.txt
  unipass set mike@example.com --vendor docspace --base-url https://yourportal.onlyoffice.com --auth api-key \
    --new-password-file new.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := s.read(e, "new-password")
			if err != nil {
				return err
			}
			m, err := cfg.manager(true)
			if err != nil {
				return err
			}
			u, err := resolveArg(cmd, m, args[0])
			if err != nil {
				return err
			}
			return e.done(m.SetPassword(cmd.Context(), u.id, pw), u.forUser("password set"))
		},
	}
	s.bind(cmd.Flags(), "new-password", "the new password")
	return cmd
}

func (e *env) changeCommand(cfg *vendorConfig) *cobra.Command {
	var s secretFlags
	cmd := &cobra.Command{
		Use:   "change USER",
		Short: "Change a user's password, proving the old one",
		Long:  "change changes USER's password, proving the old one.\n\n" + userArgHelp,
		Example: `  UNIPASS_OLD_PASSWORD=... UNIPASS_NEW_PASSWORD=... UNIPASS_CREDENTIAL=... unipass change "" \
    --vendor glowmarkt --application-id $APP_ID --auth login --user me@example.com
  UNIPASS_OLD_PASSWORD=... UNIPASS_NEW_PASSWORD=... UNIPASS_CREDENTIAL=... unipass change mike@example.com \
    --vendor docspace --base-url https://yourportal.onlyoffice.com --auth api-key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			oldPW, err := s.read(e, "old-password")
			if err != nil {
				return err
			}
			newPW, err := s.read(e, "new-password")
			if err != nil {
				return err
			}
			m, err := cfg.manager(true)
			if err != nil {
				return err
			}
			u, err := resolveArg(cmd, m, args[0])
			if err != nil {
				return err
			}
			return e.done(m.ChangePassword(cmd.Context(), u.id, oldPW, newPW), u.forUser("password changed"))
		},
	}
	s.bind(cmd.Flags(), "old-password", "the current password")
	s.bind(cmd.Flags(), "new-password", "the new password")
	return cmd
}

func (e *env) resetCommand(cfg *vendorConfig) *cobra.Command {
	return &cobra.Command{
		Use:     "reset EMAIL",
		Short:   "Start the vendor's reset-by-email flow for an address (DocSpace)",
		Example: `  unipass reset mike@example.com --vendor docspace --base-url https://yourportal.onlyoffice.com`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := cfg.manager(false)
			if err != nil {
				return err
			}
			return e.done(m.SendReset(cmd.Context(), args[0]), "reset email requested (the answer is the same whether or not the address has an account)")
		},
	}
}

func (e *env) requirementsCommand(cfg *vendorConfig) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "requirements [USER]",
		Short: "Print the password policy; with --check, tell whether a password read from stdin meets it",
		Long: "requirements prints the password policy, for USER when given (Zendesk's policy can differ by user).\n\n" +
			userArgHelp,
		Example: `  unipass requirements mike@example.com --vendor zendesk --base-url https://example.zendesk.com --auth api-token --user admin@example.com
  unipass requirements --check --vendor docspace --base-url https://yourportal.onlyoffice.com --auth login --user admin@example.com < candidate.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			user := ""
			if len(args) == 1 {
				user = args[0]
			}
			var candidate facade.Secret
			if check {
				data, err := io.ReadAll(io.LimitReader(e.stdin, 4096))
				if err != nil {
					return usagef("reading the password to check: %v", err)
				}
				if candidate = facade.NewSecret(firstLine(string(data))); candidate.IsZero() {
					return usagef("--check reads the password to check from standard input, and it was empty")
				}
			}
			m, err := cfg.manager(true)
			if err != nil {
				return err
			}
			u, err := resolveArg(cmd, m, user)
			if err != nil {
				return err
			}
			p, err := m.Requirements(cmd.Context(), u.id)
			if err != nil {
				return err
			}
			if u.given != u.id {
				fmt.Fprintln(e.stdout, "user", u)
			}
			printPolicy(e.stdout, p)
			if !check {
				return nil
			}
			if unmet := p.Check(candidate); len(unmet) > 0 {
				fmt.Fprintln(e.stdout, "\nthe password does not meet:")
				for _, u := range unmet {
					fmt.Fprintln(e.stdout, "  -", printable(u))
				}
				return &exitError{code: exitRejected}
			}
			fmt.Fprintln(e.stdout, "\nthe password meets every rule that can be checked here")
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "read a password from standard input and check it against the policy")
	return cmd
}

// printPolicy prints a policy, one rule a line; the vendor's sentences pass through printable.
func printPolicy(w io.Writer, p *facade.Policy) {
	fmt.Fprintf(w, "%s password policy:\n", p.Vendor)
	for _, r := range p.Rules {
		note := ""
		if r.Kind == facade.RuleOther {
			note = "  (not checked here)"
		}
		if r.Kind == facade.RuleAllowed && p.Allowed() == nil {
			note = "  (pattern " + printable(r.Pattern) + " cannot be checked here)"
		}
		fmt.Fprintf(w, "  - %s%s\n", printable(r.Text), note)
	}
	if len(p.Rules) == 0 {
		fmt.Fprintln(w, "  (no rules)")
	}
}

// done prints a one-line success, or returns the error for its exit code.
func (e *env) done(err error, msg string) error {
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, strings.TrimSpace(msg))
	return nil
}

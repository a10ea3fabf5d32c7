package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
)

// verifyCommand checks a password against the vendor without changing anything (PasswordManager.Verify).
func (e *env) verifyCommand(cfg *vendorConfig) *cobra.Command {
	var s secretFlags
	cmd := &cobra.Command{
		Use:   "verify USER",
		Short: "Check that a password is the one in effect for a user (nothing is changed)",
		Long: `verify asks the vendor whether a password is the one in effect for USER, and changes nothing.

The password comes from UNIPASS_PASSWORD, --password-file, --password-stdin or a hidden prompt on a
terminal, never from an argument. One line of output. Exit codes: 0 the password is in effect; 3 the vendor
refused, and the line says which refusal: "not the password in effect" or no such user; 1 nothing was proven
(the vendor cannot verify passwords for this account, or anything else went wrong); 2 usage error; 5 rate
limited.

` + userArgHelp,
		Example: `  UNIPASS_CREDENTIAL=$ZENDESK_API_TOKEN unipass verify 35436 --vendor zendesk \
    --base-url https://example.zendesk.com --auth api-token --user admin@example.com --password-stdin < password.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := s.read(e, "password")
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
			err = m.Verify(cmd.Context(), u.id, pw)
			if errors.Is(err, facade.ErrWrongPassword) {
				return &exitError{code: exitRejected, err: fmt.Errorf("%s Verify: %s: not the password in effect", m.Vendor(), u)}
			}
			return e.done(err, u.forUser("the password is the one in effect"))
		},
	}
	s.bind(cmd.Flags(), "password", "the password to verify")
	return cmd
}

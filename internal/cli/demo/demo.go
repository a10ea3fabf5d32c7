// Package demo is `unipass demo`: every password operation on every vendor, against in-process fakes.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/demoseed"
)

// demoStep is one row of the demo: an operation on a vendor and what it should end in.
type demoStep struct {
	op      facade.Operation
	label   string
	manager facade.PasswordManager
	run     func(ctx context.Context, m facade.PasswordManager) (string, error)
	// wantErr, when set, is the error the step must end in (a demonstration of typed errors).
	wantErr error
}

// Options are demo's inputs.
type Options struct {
	Out, ErrOut io.Writer
}

// NewCmdDemo is `unipass demo`; runF replaces Run in tests.
func NewCmdDemo(f *factory.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run every password operation on every vendor against in-process fake servers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := &Options{Out: f.Out, ErrOut: f.ErrOut}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run runs every step; it fails (exit 1) when a step does not end as it should.
func Run(ctx context.Context, o *Options) error {
	if code := demo(ctx, o.Out, o.ErrOut); code != 0 {
		return &cmdutil.ExitError{Code: code}
	}
	return nil
}

func demo(ctx context.Context, stdout, stderr io.Writer) int {
	ds := facadetest.NewDocSpace()
	defer ds.Close()
	zd := facadetest.NewZendesk()
	defer zd.Close()
	gm := facadetest.NewGlowmarkt()
	defer gm.Close()

	seed := demoseed.Seed()
	ds.Seed(*seed.DocSpace)
	zd.Seed(*seed.Zendesk)
	gm.Seed(*seed.Glowmarkt)

	docspace, err := facade.NewDocSpace(ds.URL(), facade.WithHTTPClient(ds.Client()),
		facade.WithLogin(demoseed.DocSpaceEmail, demoseed.DocSpacePassword))
	if err != nil {
		fmt.Fprintln(stderr, "unipass demo:", err)
		return 1
	}
	zendesk, err := facade.NewZendesk(zd.URL(), facade.WithHTTPClient(zd.Client()),
		facade.WithAPIToken(demoseed.ZendeskAdminEmail, demoseed.ZendeskAPIToken))
	if err != nil {
		fmt.Fprintln(stderr, "unipass demo:", err)
		return 1
	}
	agent, err := facade.NewZendesk(zd.URL(), facade.WithHTTPClient(zd.Client()), facade.WithBearerToken(demoseed.ZendeskOAuthToken))
	if err != nil {
		fmt.Fprintln(stderr, "unipass demo:", err)
		return 1
	}
	glow, err := facade.NewGlowmarkt(gm.URL(), facade.WithHTTPClient(gm.Client()), facade.WithApplicationID(gm.ApplicationID()),
		facade.WithLogin(demoseed.GlowmarktUser, demoseed.GlowmarktPassword))
	if err != nil {
		fmt.Fprintln(stderr, "unipass demo:", err)
		return 1
	}

	users := map[facade.Vendor]string{
		facade.VendorDocSpace: demoseed.DocSpaceUser, facade.VendorZendesk: demoseed.ZendeskAgentID, facade.VendorGlowmarkt: demoseed.GlowmarktAccount,
	}
	emails := map[facade.Vendor]string{
		facade.VendorDocSpace: demoseed.DocSpaceEmail, facade.VendorZendesk: demoseed.ZendeskAgentEmail, facade.VendorGlowmarkt: demoseed.GlowmarktUser,
	}
	oldPasswords := map[facade.Vendor]string{
		facade.VendorDocSpace: demoseed.DocSpacePassword, facade.VendorZendesk: demoseed.ZendeskAgentPassword, facade.VendorGlowmarkt: demoseed.GlowmarktPassword,
	}

	// inEffect is each vendor's password as the steps change it, for Verify to prove.
	inEffect := map[facade.Vendor]string{}
	for v, pw := range oldPasswords {
		inEffect[v] = pw
	}
	var steps []demoStep
	for _, m := range []facade.PasswordManager{docspace, zendesk, glow} {
		v := m.Vendor()
		changer := m
		if v == facade.VendorZendesk {
			changer = agent // Zendesk: a user changes their own password
		}
		steps = append(steps,
			demoStep{op: facade.OpFindUser, manager: m, run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				u, err := m.FindUser(ctx, strings.ToUpper(emails[v]))
				if err == nil && u.ID != users[v] {
					err = fmt.Errorf("found user %s, not %s", u.ID, users[v])
				}
				return fmt.Sprintf("user %s has the address %s", u.ID, u.Email), err
			}},
			demoStep{op: facade.OpRequirements, manager: m, run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				p, err := m.Requirements(ctx, users[v])
				if err != nil {
					return "", err
				}
				return describePolicy(p), nil
			}},
			demoStep{op: facade.OpChangePassword, manager: changer, run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "password changed", inEffectAfter(inEffect, v, "fake-Changed-Passw0rd-3",
					m.ChangePassword(ctx, users[v], facade.NewSecret(oldPasswords[v]), facade.NewSecret("fake-Changed-Passw0rd-3")))
			}},
			demoStep{op: facade.OpSetPassword, manager: m, run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "password set", inEffectAfter(inEffect, v, "fake-Set-Passw0rd-2",
					m.SetPassword(ctx, users[v], facade.NewSecret("fake-Set-Passw0rd-2")))
			}},
			demoStep{op: facade.OpVerify, manager: m, run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "the last password set is the one in effect", m.Verify(ctx, users[v], facade.NewSecret(inEffect[v]))
			}},
			demoStep{op: facade.OpSendReset, manager: m, run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "reset email requested", m.SendReset(ctx, emails[v])
			}},
		)
	}
	// Typed errors, shown on purpose.
	steps = append(steps,
		demoStep{op: facade.OpSetPassword, label: "SetPassword (too weak)", manager: zendesk, wantErr: facade.ErrPasswordRejected,
			run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "", m.SetPassword(ctx, demoseed.ZendeskAgentID, facade.NewSecret("abc"))
			}},
		demoStep{op: facade.OpFindUser, label: "FindUser (two users, one address)", manager: zendesk, wantErr: facade.ErrAmbiguousUser,
			run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				_, err := m.FindUser(ctx, demoseed.ZendeskTwinEmail)
				return "", err
			}},
		demoStep{op: facade.OpChangePassword, label: "ChangePassword (wrong old password)", manager: docspace, wantErr: facade.ErrPasswordRejected,
			run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "", m.ChangePassword(ctx, demoseed.DocSpaceUser, facade.NewSecret("fake-Wrong-Passw0rd-1"), facade.NewSecret("fake-Changed-Passw0rd-4"))
			}},
		demoStep{op: facade.OpSetPassword, label: "SetPassword (bad user ID)", manager: docspace, wantErr: facade.ErrInvalidInput,
			run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "", m.SetPassword(ctx, "not-a-uuid", facade.NewSecret("fake-Set-Passw0rd-2"))
			}},
		demoStep{op: facade.OpVerify, label: "Verify (old password)", manager: glow, wantErr: facade.ErrWrongPassword,
			run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				return "", m.Verify(ctx, demoseed.GlowmarktAccount, facade.NewSecret(oldPasswords[facade.VendorGlowmarkt]))
			}},
		demoStep{op: facade.OpVerify, label: "Verify (no password access)", manager: zendesk, wantErr: facade.ErrVerifyUnavailable,
			run: func(ctx context.Context, m facade.PasswordManager) (string, error) {
				zd.SetPasswordAccess(false) // the account turned password access to the API off
				defer zd.SetPasswordAccess(true)
				return "", m.Verify(ctx, demoseed.ZendeskAgentID, facade.NewSecret(inEffect[facade.VendorZendesk]))
			}},
	)

	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tVENDOR\tOUTCOME")
	failed := 0
	for _, s := range steps {
		label := s.label
		if label == "" {
			label = string(s.op)
		}
		detail, err := s.run(ctx, s.manager)
		var outcome string
		switch {
		case s.wantErr != nil && errors.Is(err, s.wantErr):
			outcome = "error, as expected: " + err.Error()
		case s.wantErr != nil:
			outcome = fmt.Sprintf("FAILED: wanted %v, got %v", s.wantErr, err)
			failed++
		case err == nil:
			outcome = "ok: " + detail
		case errors.Is(err, facade.ErrUnsupported):
			if s.manager.Capabilities().Supports(s.op) {
				failed++
				outcome = "FAILED: " + err.Error()
			} else {
				outcome = "unsupported by this vendor"
			}
		default:
			failed++
			outcome = "FAILED: " + err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", label, s.manager.Vendor(), outcome)
	}
	_ = tw.Flush()

	fmt.Fprintf(stdout, "\nreset emails recorded by the DocSpace fake: %s\n", strings.Join(ds.ResetEmails(), ", "))
	for _, f := range []interface{ Violations() []error }{ds, zd, gm} {
		for _, v := range f.Violations() {
			failed++
			fmt.Fprintln(stderr, "contract violation:", v)
		}
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "unipass demo: %d step(s) failed\n", failed)
		return 1
	}
	fmt.Fprintln(stdout, "every supported operation succeeded; every request and response matched the vendor specs")
	return 0
}

// inEffectAfter records pw as the vendor's password in effect when a change succeeded, and returns err.
func inEffectAfter(inEffect map[facade.Vendor]string, v facade.Vendor, pw string, err error) error {
	if err == nil {
		inEffect[v] = pw
	}
	return err
}

func describePolicy(p *facade.Policy) string {
	parts := make([]string, 0, len(p.Rules))
	for _, r := range p.Rules {
		parts = append(parts, r.Text)
	}
	return "policy: " + strings.Join(parts, "; ")
}

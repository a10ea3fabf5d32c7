package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

type rotateFlags struct {
	input          string
	format         string
	passwordsOut   string
	printPasswords bool
	dryRun         bool
	concurrency    int
	rate           float64
	length         int
}

func (e *env) rotateCommand(cfg *vendorConfig) *cobra.Command {
	var f rotateFlags
	cmd := &cobra.Command{
		Use:   "rotate --input FILE",
		Short: "Rotate the passwords of many accounts at the vendor's rate limit",
		Long: `rotate reads targets (one user per line: CSV with a "user" column, or JSON lines {"user": "..."}) from
--input (a file, or - for standard input), sets a new random password for each (fitting the vendor's
policy), and writes one JSON line per target to standard output: index, vendor, user, status (done,
failed, not-started), attempts, latency_ms and error.

New passwords are written only where you ask: --passwords-out FILE (created with mode 0600; it must not
exist) as CSV "user,password", or into the JSON lines with --print-passwords. Without either, rotate
refuses to run (the new passwords would be lost). --dry-run checks capabilities, input and policy and
writes nothing.`,
		Example: `  unipass rotate --vendor zendesk --base-url https://example.zendesk.com --auth api-token \
    --user admin@example.com --input users.csv --passwords-out new-passwords.csv --rate 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.rotate(cmd.Context(), cfg, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", "targets: a CSV or JSON-lines file, or - for standard input")
	fl.StringVar(&f.format, "format", "", "csv or jsonl (default: from the file name; csv for standard input)")
	fl.StringVar(&f.passwordsOut, "passwords-out", "", "write the new passwords to this new file (mode 0600)")
	fl.BoolVar(&f.printPasswords, "print-passwords", false, "include the new passwords in the JSON lines on standard output")
	fl.BoolVar(&f.dryRun, "dry-run", false, "check capabilities, input and policy; change nothing")
	fl.IntVar(&f.concurrency, "concurrency", 8, "targets in flight at once")
	fl.Float64Var(&f.rate, "rate", 0, "requests per second to the vendor (default: the vendor's documented limit)")
	fl.IntVar(&f.length, "length", rotate.DefaultLength, "length of generated passwords (longer if the policy asks)")
	return cmd
}

// resultLine is one JSON line of rotate's output.
type resultLine struct {
	Index       int    `json:"index"`
	Vendor      string `json:"vendor"`
	User        string `json:"user"`
	Status      string `json:"status"`
	Attempts    int    `json:"attempts"`
	LatencyMS   int64  `json:"latency_ms"`
	Error       string `json:"error,omitempty"`
	NewPassword string `json:"new_password,omitempty"`
}

func (e *env) rotate(ctx context.Context, cfg *vendorConfig, f rotateFlags) error {
	switch {
	case f.input == "":
		return usagef("--input is required (a file, or - for standard input)")
	case f.concurrency < 1:
		return usagef("--concurrency must be at least 1")
	case f.rate < 0:
		return usagef("--rate must not be negative")
	case !f.dryRun && f.passwordsOut == "" && !f.printPasswords:
		return usagef("say where the new passwords go: --passwords-out FILE or --print-passwords (or use --dry-run)")
	}
	users, err := e.readTargets(f)
	if err != nil {
		return err
	}
	m, err := cfg.manager(true)
	if err != nil {
		return err
	}
	if !m.Capabilities().SetPassword {
		return fmt.Errorf("%s cannot set passwords: %w", m.Vendor(), facade.ErrUnsupported)
	}
	if f.dryRun {
		return e.dryRun(ctx, m, users, f)
	}
	var pwOut *csv.Writer
	if f.passwordsOut != "" {
		file, err := os.OpenFile(f.passwordsOut, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return usagef("--passwords-out: %v", errors.Unwrap(err))
		}
		defer func() { _ = file.Close() }()
		pwOut = csv.NewWriter(file)
		_ = pwOut.Write([]string{"user", "password"})
		defer pwOut.Flush()
	}

	targets := make(chan rotate.Target)
	go func() {
		defer close(targets)
		for _, u := range users {
			targets <- rotate.Target{Manager: m, User: u}
		}
	}()
	conf := rotate.Config{Concurrency: f.concurrency, Total: len(users), PasswordLength: f.length}
	if f.rate > 0 {
		conf.Limits = map[facade.Vendor]rotate.Limit{m.Vendor(): {PerSecond: f.rate, Burst: 1}}
	}
	bar := e.terminal(e.stderr)
	if bar {
		conf.OnProgress = func(p rotate.Progress) {
			fmt.Fprintf(e.stderr, "\r%s %d/%d done, %d failed, %.1f/s ", progressBar(p), p.Done, p.Total, p.Failed, p.Rate)
		}
	}
	enc := json.NewEncoder(e.stdout)
	worst := exitOK
	for r := range rotate.Run(ctx, targets, conf) {
		line := resultLine{Index: r.Index, Vendor: string(r.Vendor), User: r.User, Status: string(r.Status),
			Attempts: r.Attempts, LatencyMS: r.Latency.Milliseconds()}
		if r.Err != nil {
			line.Error = r.Err.Error()
			worst = max(worst, exitCode(r.Err))
		}
		if r.Status == rotate.Done {
			if f.printPasswords {
				line.NewPassword = r.NewPassword.Reveal()
			}
			if pwOut != nil {
				_ = pwOut.Write([]string{r.User, r.NewPassword.Reveal()})
				pwOut.Flush()
			}
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	if bar {
		fmt.Fprintln(e.stderr)
	}
	if pwOut != nil {
		if err := pwOut.Error(); err != nil {
			return fmt.Errorf("--passwords-out: %w", err)
		}
	}
	if worst != exitOK {
		return &exitError{code: worst, err: errors.New("some targets failed; see the JSON lines")}
	}
	return nil
}

func (e *env) dryRun(ctx context.Context, m facade.PasswordManager, users []string, f rotateFlags) error {
	var policy *facade.Policy
	if m.Capabilities().Requirements && len(users) > 0 {
		var err error
		if policy, err = m.Requirements(ctx, users[0]); err != nil {
			return err
		}
		printPolicy(e.stdout, policy)
	}
	pw, err := rotate.GeneratePassword(policy, f.length)
	if err != nil {
		return err
	}
	if policy != nil && len(policy.Check(pw)) > 0 {
		return errors.New("a generated password does not meet the policy")
	}
	fmt.Fprintf(e.stdout, "dry run: %d targets on %s; capabilities, input and policy checked; nothing was changed\n", len(users), m.Vendor())
	return nil
}

func progressBar(p rotate.Progress) string {
	const width = 30
	if p.Total <= 0 {
		return ""
	}
	n := (p.Done + p.Failed + p.NotStarted) * width / p.Total
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

// readTargets reads the user column of a CSV file or the user field of JSON lines.
func (e *env) readTargets(f rotateFlags) ([]string, error) {
	r := e.stdin
	if f.input != "-" {
		file, err := os.Open(f.input)
		if err != nil {
			return nil, usagef("--input: %v", errors.Unwrap(err))
		}
		defer func() { _ = file.Close() }()
		r = file
	}
	r = stripBOM(r)
	format := f.format
	if format == "" {
		format = "csv"
		if strings.HasSuffix(f.input, ".jsonl") || strings.HasSuffix(f.input, ".json") {
			format = "jsonl"
		}
	}
	var users []string
	switch format {
	case "csv":
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			return nil, usagef("--input: reading the CSV header: %v", err)
		}
		col := -1
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), "user") {
				col = i
			}
		}
		if col < 0 {
			return nil, usagef(`--input: the CSV needs a "user" column`)
		}
		for line := 2; ; line++ {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
				return nil, usagef("--input: line %d: no user", line)
			}
			users = append(users, strings.TrimSpace(rec[col]))
		}
	case "jsonl":
		sc := bufio.NewScanner(r)
		for line := 1; sc.Scan(); line++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var t struct {
				User json.RawMessage `json:"user"`
			}
			if err := json.Unmarshal(sc.Bytes(), &t); err != nil || len(t.User) == 0 {
				return nil, usagef("--input: line %d: not a JSON object with a user", line)
			}
			var s string
			if json.Unmarshal(t.User, &s) != nil {
				s = string(t.User) // a number, such as a Zendesk ID
			}
			users = append(users, s)
		}
		if err := sc.Err(); err != nil {
			return nil, usagef("--input: %v", err)
		}
	default:
		return nil, usagef("--format must be csv or jsonl")
	}
	if len(users) == 0 {
		return nil, usagef("--input: no targets")
	}
	return users, nil
}

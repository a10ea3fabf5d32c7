package rotate

// Fleet rotation: an input with a profile column (CSV) or field (JSON lines) names, on every line, the
// profile of the config file whose account the user is in. One run then rotates across vendors and
// tenants: a manager and a pacer per profile, one result stream, one journal, one --passwords-out.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/config"
)

// managerSource gives the profiles a fleet input names: the config file's (configProfiles), or a test's.
type managerSource interface {
	// profile returns a profile's vendor and base URL without reading its credential; an unknown profile
	// is an error that names the profiles there are.
	profile(name string) (fleetProfile, error)
	// profileNames lists every profile.
	profileNames() []string
	// manager builds the named profile's manager, reading its credential (bounded by ctx).
	manager(ctx context.Context, name string) (facade.PasswordManager, error)
}

// fleetProfile is what a fleet rotation needs to know of a profile before building its manager.
type fleetProfile struct {
	name    string
	vendor  facade.Vendor
	baseURL string
}

// configProfiles is the config file's profiles as a managerSource.
type configProfiles struct {
	pc    *config.File
	build func(ctx context.Context, pc *config.File, name string) (facade.PasswordManager, error)
}

func (c configProfiles) profile(name string) (fleetProfile, error) {
	p, err := c.pc.Lookup(name)
	if err != nil {
		return fleetProfile{}, errors.Unwrap(err) // a usage error of its own; the line error says more
	}
	base := p.BaseURL
	if base == "" && p.Vendor == string(facade.VendorGlowmarkt) {
		base = facade.DefaultGlowmarktURL
	}
	return fleetProfile{name: name, vendor: facade.Vendor(p.Vendor), baseURL: strings.TrimSuffix(base, "/")}, nil
}

func (c configProfiles) profileNames() []string { return c.pc.Names }

func (c configProfiles) manager(ctx context.Context, name string) (facade.PasswordManager, error) {
	return c.build(ctx, c.pc, name)
}

// fleet is a fleet rotation's profiles: looked up and managers built once each, as the input names them.
// Used from one goroutine at a time (the input check, then the feed).
type fleet struct {
	src      managerSource
	profiles map[string]fleetProfile
	managers map[string]facade.PasswordManager
}

func newFleet(src managerSource) *fleet {
	return &fleet{src: src, profiles: map[string]fleetProfile{}, managers: map[string]facade.PasswordManager{}}
}

// lookup returns a profile, looked up once.
func (f *fleet) lookup(name string) (fleetProfile, error) {
	if p, ok := f.profiles[name]; ok {
		return p, nil
	}
	p, err := f.src.profile(name)
	if err != nil {
		return p, err
	}
	f.profiles[name] = p
	return p, nil
}

// manager returns a profile's manager, built once; a vendor that cannot set passwords is refused.
func (f *fleet) manager(ctx context.Context, name string) (facade.PasswordManager, error) {
	if m, ok := f.managers[name]; ok {
		return m, nil
	}
	m, err := f.src.manager(ctx, name)
	if err != nil {
		return nil, err
	}
	if !m.Capabilities().SetPassword {
		return nil, cmdutil.Usagef("profile %q: %s cannot set passwords (rotate sets them): %w", name, m.Vendor(), facade.ErrUnsupported)
	}
	f.managers[name] = m
	return m, nil
}

// buildAll builds the managers of the named profiles, in name order, before anything is sent.
func (f *fleet) buildAll(ctx context.Context, names []string) error {
	for _, name := range names {
		if _, err := f.manager(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// journalProfiles names the profiles in a journal's header.
func (f *fleet) journalProfiles(names []string) ([]frotate.JournalProfile, error) {
	out := make([]frotate.JournalProfile, 0, len(names))
	for _, name := range names {
		p, err := f.lookup(name)
		if err != nil {
			return nil, err
		}
		out = append(out, frotate.JournalProfile{Name: p.name, Vendor: string(p.vendor), BaseURL: p.baseURL})
	}
	return out, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// vendorOf returns the vendor of a target's account: its profile's in a fleet input, the flags' otherwise.
// In a fleet input every line names a profile; in another, none does.
func (s *rotation) vendorOf(t target) (facade.Vendor, error) {
	switch {
	case s.fleet == nil && t.profile != "":
		return "", fmt.Errorf("names profile %q, but the first line names none: give a profile on every line or on none", cmdutil.Printable(t.profile))
	case s.fleet == nil:
		return s.m.Vendor(), nil
	case t.profile == "":
		return "", errors.New("names no profile, but the first line does: give a profile on every line or on none")
	}
	p, err := s.fleet.lookup(t.profile)
	if err != nil {
		return "", err
	}
	return p.vendor, nil
}

// managerOf returns the manager of a target's account.
func (s *rotation) managerOf(ctx context.Context, t target) (facade.PasswordManager, error) {
	if s.fleet == nil {
		return s.m, nil
	}
	m, err := s.fleet.manager(ctx, t.profile)
	if err != nil {
		return nil, &lineError{line: t.line, reason: err.Error()}
	}
	return m, nil
}

// detectFleet tells whether the input names profiles: a CSV with a profile column, or JSON lines whose
// first target has a profile field. It reads only the start of the input; for standard input it returns
// the reader that replays what it read, then the rest (stdin itself otherwise).
func detectFleet(stdin io.Reader, input string, format inputFormat) (fleet bool, replay io.Reader, err error) {
	var r io.Reader
	replay = stdin
	if input == stdinInput {
		var seen bytes.Buffer
		r = io.TeeReader(stdin, &seen)
		replay = io.MultiReader(&seen, stdin)
	} else {
		in, err := openInput(stdin, input)
		if err != nil {
			return false, nil, err
		}
		defer func() { _ = in.Close() }()
		r = in.r
	}
	fleet, err = startsFleet(r, format)
	return fleet, replay, err
}

// startsFleet reads the CSV header, or the JSON lines up to the first target, and tells whether they
// name a profile.
func startsFleet(r io.Reader, format inputFormat) (bool, error) {
	br := bufio.NewReader(cmdutil.StripBOM(r)) // what it reads ahead of a line is replayed too
	if format == formatCSV {
		header, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return false, cmdutil.Usagef("--input: %v", err)
		}
		c, err := newCSVTargets(strings.NewReader(header))
		return err == nil && c.hasProfiles(), nil
	}
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) && len(line) <= maxInputLine {
			continue // a long line: read on
		}
		if len(bytes.TrimSpace(line)) > 0 {
			_, profile, _ := jsonTarget(line)
			return profile != "", nil
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return false, cmdutil.Usagef("--input: %v", err)
		}
		line = line[:0]
	}
}

// Package fakes is `unipass fakes`: the stateful, contract-checked fakes of the three vendors on one
// local port.
package fakes

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/demoseed"
)

// defaultFakesSeed is the state `unipass fakes` starts with without --seed: the demo's people.
//
//go:embed fakes_seed.json
var defaultFakesSeed []byte

const defaultFakesAddr = "127.0.0.1:7070"

// Options are fakes' inputs: its flags and where it writes.
type Options struct {
	Out, ErrOut io.Writer

	Addr      string
	ListenAny bool
	Seed      string
	PrintSeed bool
	TLS       bool
	CertOut   string
	TLSCert   string
	TLSKey    string
	URLFile   string
	MaxBody   int64
	TLSHosts  []string
}

// NewCmdFakes is `unipass fakes`; runF replaces Run in tests.
func NewCmdFakes(fy *factory.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	f := &Options{Out: fy.Out, ErrOut: fy.ErrOut}
	cmd := &cobra.Command{
		Use:   "fakes",
		Short: "Serve fake DocSpace, Zendesk and Glowmarkt APIs on one local port, for trying unipass and for tests",
		Long: `fakes serves the stateful, contract-checked fakes of the three vendors on one port until interrupted
(SIGINT or SIGTERM): DocSpace under /docspace, Zendesk under /zendesk, Glowmarkt under /glowmarkt. Every
request and answer is checked against the vendor's OpenAPI description; violations are printed on standard
error and kept for the admin API.

The fakes start from --seed FILE (JSON: users, credentials, policy, rate limits per vendor; --print-seed
prints the default one as a starting point) or, without it, from the default seed, whose fake credentials
are printed at start.

The admin API under /_admin answers loopback clients only:
  GET  /_admin/state         users with their current passwords, hits, violations, armed faults
  GET  /_admin/hits          request counts per vendor and operationId
  GET  /_admin/violations    contract violations
  POST /_admin/faults        arm a fault: {"vendor":"zendesk","operation":"SetUserPassword","status":503,"times":1}
                             ("after":true: apply the request, then lose the answer)
  POST /_admin/faults/clear  disarm every fault (or {"vendor":"zendesk"}: that vendor's)

--addr must be a loopback address unless --listen-any. --tls serves https with a self-signed certificate
made at start (written to --cert-out for clients to trust, e.g. SSL_CERT_FILE=FILE on Linux), or with
--tls-cert and --tls-key. The certificate made at start is a leaf (it can sign no other), for localhost,
loopback and the --addr host (with an unspecified --addr such as 0.0.0.0: every interface's address) and
each --tls-host, valid for 825 days: restart the fakes to get a new one.

The admin API also refuses a Host that is not loopback with its port, an Origin that is not the server's
own, and writes that are not Content-Type: application/json: no web page can reach it. Request bodies
over --max-body are answered 413 unread; idle connections are closed after 30 s, a body must arrive
within 30 s, and on stop requests get 2 s before their connections are closed.`,
		Example: `  unipass fakes
  unipass fakes --addr 127.0.0.1:0 --seed seed.json --tls --cert-out fakes.pem --url-file url.txt
  curl -s http://127.0.0.1:7070/_admin/state`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), f)
			}
			return Run(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Addr, "addr", defaultFakesAddr, "host:port to listen on (port 0: any free port)")
	fl.BoolVar(&f.ListenAny, "listen-any", false, "allow an --addr that is not loopback")
	fl.StringVar(&f.Seed, "seed", "", "the fakes' starting state, a JSON file (default: the demo's users)")
	fl.BoolVar(&f.PrintSeed, "print-seed", false, "print the default seed and exit")
	fl.BoolVar(&f.TLS, "tls", false, "serve https with a self-signed certificate made at start")
	fl.StringSliceVar(&f.TLSHosts, "tls-host", nil, "with --tls: another name or address the certificate is for (repeatable)")
	fl.StringVar(&f.CertOut, "cert-out", "", "with --tls: write the certificate (PEM) to this file")
	fl.StringVar(&f.TLSCert, "tls-cert", "", "serve https with this certificate (PEM; with --tls-key)")
	fl.StringVar(&f.TLSKey, "tls-key", "", "the private key (PEM) of --tls-cert")
	fl.Int64Var(&f.MaxBody, "max-body", api.DefaultMaxBodyBytes, "the largest request body in bytes (larger ones are answered 413 unread)")
	fl.StringVar(&f.URLFile, "url-file", "", "once listening, write the base URL (e.g. http://127.0.0.1:43123) to this file, for scripts")
	return cmd
}

// check refuses flag combinations that do not make sense, before anything starts.
func (f *Options) check() error {
	switch {
	case (f.TLSCert == "") != (f.TLSKey == ""):
		return cmdutil.Usagef("--tls-cert and --tls-key go together")
	case f.TLS && f.TLSCert != "":
		return cmdutil.Usagef("--tls makes its own certificate; leave it out with --tls-cert and --tls-key")
	case f.CertOut != "" && !f.TLS:
		return cmdutil.Usagef("--cert-out needs --tls")
	case len(f.TLSHosts) > 0 && !f.TLS:
		return cmdutil.Usagef("--tls-host needs --tls")
	case f.MaxBody <= 0:
		return cmdutil.Usagef("--max-body %d: want a number of bytes above 0", f.MaxBody)
	}
	host, _, err := net.SplitHostPort(f.Addr)
	if err != nil {
		return cmdutil.Usagef("--addr %q: want host:port, e.g. %s", f.Addr, defaultFakesAddr)
	}
	if !f.ListenAny && !isLoopbackHost(host) {
		return cmdutil.Usagef("--addr %q is not a loopback address: the fakes hold passwords and answer anyone; add --listen-any to mean it", f.Addr)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run serves the fakes until ctx ends or a signal comes.
func Run(ctx context.Context, f *Options) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.PrintSeed {
		_, err := f.Out.Write(defaultFakesSeed)
		return err
	}
	seed, err := readFakesSeed(f.Seed)
	if err != nil {
		return err
	}
	tlsConf, err := f.tlsConfig()
	if err != nil {
		return err
	}
	// The first Ctrl-C or SIGTERM stops the server cleanly; a second one ends the process at once.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	ln, origin, err := listenFakes(ctx, f.Addr, tlsConf)
	if err != nil {
		return err
	}
	fakes := facadetest.NewFakes(origin, seed, facadetest.WithMaxBodyBytes(f.MaxBody))
	defer fakes.Close()
	// Violations and the server's own errors (a client's failed TLS handshake) share standard error.
	// A Logger serializes its writes; each line is made printable: a violation quotes the request's path,
	// which anyone may fill with escape sequences or line breaks that forge log lines.
	logger := log.New(printableLines{f.ErrOut}, "unipass fakes: ", 0)
	fakes.OnViolation(func(_ api.Vendor, err error) { logger.Print(err) })
	srv := fakesServer(fakes.Handler(), logger)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := announceFakes(origin, f); err != nil {
		_ = srv.Close()
		return err
	}
	select {
	case err := <-served:
		return fmt.Errorf("fakes: %w", err)
	case <-ctx.Done():
	}
	fakes.Close() // cuts the delays of armed faults short, so that Shutdown need not wait for them
	stopFakes(ctx, srv, logger)
	return nil
}

// The fakes server's time limits: a request's headers must arrive within fakesHeaderTimeout (its body
// within 30 s, see facadetest), an idle keep-alive connection is closed after fakesIdleTimeout, and on
// stop, requests still running get fakesShutdownGrace before their connections are closed.
const (
	fakesHeaderTimeout = 10 * time.Second
	fakesIdleTimeout   = 30 * time.Second
	fakesShutdownGrace = 2 * time.Second
)

// fakesServer is the HTTP server of `unipass fakes`: no connection is held open by a client that stalls.
func fakesServer(h http.Handler, logger *log.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: fakesHeaderTimeout, IdleTimeout: fakesIdleTimeout,
		MaxHeaderBytes: 64 << 10, ErrorLog: logger}
}

// stopFakes shuts the server down: requests running get fakesShutdownGrace to finish, then every
// connection left (a stalled upload) is closed. Stopping is what was asked: it is not an error.
func stopFakes(ctx context.Context, srv *http.Server, logger *log.Logger) {
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fakesShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(graceCtx); err != nil {
		_ = srv.Close()
		logger.Print("closed the connections of requests that did not finish")
	}
	logger.Print("stopped")
}

// listenFakes listens on addr (with TLS if tlsConf is set) and returns the origin clients should use.
func listenFakes(ctx context.Context, addr string, tlsConf *tls.Config) (net.Listener, string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("fakes: %w", err)
	}
	scheme := "http"
	if tlsConf != nil {
		scheme = "https"
		ln = tls.NewListener(ln, tlsConf)
	}
	return ln, scheme + "://" + originHost(ln.Addr()), nil
}

// announceFakes prints the banner and writes --url-file.
func announceFakes(origin string, f *Options) error {
	if err := fakesBanner(origin, f); err != nil {
		return err
	}
	return writeURLFile(f.URLFile, origin)
}

// writeURLFile writes origin to path (if set) at once: a script waiting for the file reads it whole. A
// planted symbolic link is refused, not followed.
func writeURLFile(path, origin string) error {
	if path == "" {
		return nil
	}
	if err := cmdutil.WriteFileReplacing(path, []byte(origin+"\n")); err != nil {
		return cmdutil.Usagef("--url-file: %v", err)
	}
	return nil
}

// originHost is the listener's address as clients should dial it: an unspecified address (all interfaces)
// is reached on loopback.
func originHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

func readFakesSeed(path string) (facadetest.Seed, error) {
	data := defaultFakesSeed
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil { // #nosec G304 -- the user names the seed file
			return facadetest.Seed{}, cmdutil.Usagef("--seed: %v", errors.Unwrap(err))
		}
	}
	seed, err := facadetest.ParseSeed(data)
	if err != nil {
		return facadetest.Seed{}, cmdutil.Usagef("--seed %s: %v", path, err)
	}
	return seed, nil
}

// tlsConfig is nil for plain http. The fakes speak HTTP/1.1 only (their faults take over the connection).
func (f *Options) tlsConfig() (*tls.Config, error) {
	var cert tls.Certificate
	switch {
	case f.TLSCert != "":
		var err error
		if cert, err = tls.LoadX509KeyPair(f.TLSCert, f.TLSKey); err != nil {
			return nil, cmdutil.Usagef("--tls-cert/--tls-key: %v", err)
		}
	case f.TLS:
		var certPEM []byte
		var err error
		if cert, certPEM, err = selfSignedCert(f.Addr, f.TLSHosts); err != nil {
			return nil, fmt.Errorf("fakes: making a certificate: %w", err)
		}
		if f.CertOut != "" {
			if err := cmdutil.WriteFileReplacing(f.CertOut, certPEM); err != nil {
				return nil, cmdutil.Usagef("--cert-out: %v", err)
			}
		}
	default:
		return nil, nil
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}, nil
}

// selfSignedCertLife is how long the certificate made at start is valid: longer than the fakes are
// expected to run (restart them to get a new one), and within the 825 days some clients accept.
const selfSignedCertLife = 825 * 24 * time.Hour

// selfSignedCert makes a self-signed leaf certificate (not a CA: it can sign nothing else) for the names
// certNames gives, valid for selfSignedCertLife, and its PEM.
func selfSignedCert(addr string, extraHosts []string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "unipass fakes"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(selfSignedCertLife),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	tmpl.DNSNames, tmpl.IPAddresses = certNames(addr, extraHosts)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}

// certNames are the names the certificate is for: localhost and loopback; the host of addr, or, when it
// is unspecified (0.0.0.0, [::]: every interface), the address of every interface; and --tls-host.
func certNames(addr string, extraHosts []string) (dns []string, ips []net.IP) {
	dns, ips = []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	add := func(host string) {
		if ip := net.ParseIP(host); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
		} else if host != "" && !slices.Contains(dns, strings.ToLower(host)) {
			dns = append(dns, strings.ToLower(host))
		}
	}
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		for _, a := range interfaceIPs() {
			add(a.String())
		}
	} else {
		add(host)
	}
	for _, h := range extraHosts {
		add(h)
	}
	return dns, ips
}

// interfaceIPs are the addresses of this machine's interfaces (none when they cannot be listed).
func interfaceIPs() []net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP)
		}
	}
	return out
}

// fakesBanner says where each vendor is served and, for the default seed, the fake credentials to use as
// UNIPASS_* variables.
func fakesBanner(origin string, f *Options) error {
	w := &errWriter{w: f.Out}
	fmt.Fprintf(w, "unipass fakes: serving on %s (fake DocSpace, Zendesk and Glowmarkt; every request contract-checked)\n", origin)
	fmt.Fprintf(w, "  admin      %s%s/state\n", origin, facadetest.AdminPrefix)
	for _, p := range []string{facadetest.DocSpacePrefix, facadetest.ZendeskPrefix, facadetest.GlowmarktPrefix} {
		fmt.Fprintf(w, "  %-10s %s%s\n", strings.TrimPrefix(p, "/"), origin, p)
	}
	if f.TLS && f.CertOut != "" {
		fmt.Fprintf(w, "  certificate in %s (trust it with SSL_CERT_FILE=%s)\n", f.CertOut, f.CertOut)
	}
	if f.Seed == "" {
		fmt.Fprint(w, "\nDefault seed (fake credentials; --print-seed shows every user):\n")
		for _, line := range defaultSeedExports(origin) {
			fmt.Fprintln(w, "  "+line)
		}
	}
	fmt.Fprintln(w, "\nStop with Ctrl-C.")
	return w.err
}

// defaultSeedExports are the shell lines that point unipass at each vendor of the default seed.
func defaultSeedExports(origin string) []string {
	return []string{
		fmt.Sprintf("# DocSpace (API key; user %s, %s)", demoseed.DocSpaceUser, demoseed.DocSpaceEmail),
		"export UNIPASS_VENDOR=docspace UNIPASS_BASE_URL=" + origin + facadetest.DocSpacePrefix +
			" UNIPASS_AUTH=api-key UNIPASS_CREDENTIAL=" + demoseed.DocSpaceAPIKey,
		fmt.Sprintf("# Zendesk (admin API token; users %d %s, %d %s)",
			demoseed.ZendeskAdmin, demoseed.ZendeskAdminEmail, demoseed.ZendeskAgent, demoseed.ZendeskAgentEmail),
		"export UNIPASS_VENDOR=zendesk UNIPASS_BASE_URL=" + origin + facadetest.ZendeskPrefix +
			" UNIPASS_AUTH=api-token UNIPASS_USER=" + demoseed.ZendeskAdminEmail + " UNIPASS_CREDENTIAL=" + demoseed.ZendeskAPIToken,
		"# Glowmarkt (login; account " + demoseed.GlowmarktAccount + ")",
		"export UNIPASS_VENDOR=glowmarkt UNIPASS_BASE_URL=" + origin + facadetest.GlowmarktPrefix +
			" UNIPASS_APPLICATION_ID=fake-application-id UNIPASS_AUTH=login UNIPASS_USER=" + demoseed.GlowmarktUser +
			" UNIPASS_CREDENTIAL=" + demoseed.GlowmarktPassword,
	}
}

// printableLines writes each line a Logger gives it (one per Write, ending in a newline) with its control
// characters escaped (printable).
type printableLines struct{ w io.Writer }

func (p printableLines) Write(b []byte) (int, error) {
	line, nl := strings.CutSuffix(string(b), "\n")
	out := cmdutil.Printable(line)
	if nl {
		out += "\n"
	}
	if _, err := io.WriteString(p.w, out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.err = err
	return n, err
}

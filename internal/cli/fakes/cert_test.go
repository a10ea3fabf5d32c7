package fakes

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/cmdutil"
)

func parseCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return cert
}

// The certificate made at start is a leaf (it cannot sign another), lives longer than a day, and
// verifies for the names it is made for.
func TestSelfSignedCertIsALongLivedLeaf(t *testing.T) {
	t.Parallel()
	_, certPEM, err := selfSignedCert("127.0.0.1:0", []string{"fakes.example.test", "192.0.2.9"})
	require.NoError(t, err)
	cert := parseCert(t, certPEM)
	assert.False(t, cert.IsCA)
	assert.True(t, cert.BasicConstraintsValid, "says CA:FALSE")
	assert.Zero(t, cert.KeyUsage&x509.KeyUsageCertSign)
	assert.Greater(t, time.Until(cert.NotAfter), 365*24*time.Hour)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "fakes.example.test", "192.0.2.9"} {
		_, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: name})
		assert.NoError(t, err, name)
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other.example.test"})
	assert.Error(t, err)
}

// With an unspecified --addr (every interface) the certificate names every interface's address.
func TestSelfSignedCertNamesEveryInterface(t *testing.T) {
	t.Parallel()
	_, certPEM, err := selfSignedCert("0.0.0.0:7070", nil)
	require.NoError(t, err)
	cert := parseCert(t, certPEM)
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		assert.Condition(t, func() bool {
			for _, ip := range cert.IPAddresses {
				if ip.Equal(n.IP) {
					return true
				}
			}
			return false
		}, "%s not in the certificate", n.IP)
	}
	for _, ip := range cert.IPAddresses {
		assert.False(t, ip.IsUnspecified(), "0.0.0.0 is no address to reach")
	}
	err = Run(t.Context(), &Options{Addr: defaultFakesAddr, MaxBody: 1, TLSHosts: []string{"fakes.example.test"}})
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), "--tls-host needs --tls")
}

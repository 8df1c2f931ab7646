package barrier

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestRedisTLS: a barrier on a rediss:// URL talks TLS to a redis-server started with a
// self-signed certificate; certificate verification is on unless the URL says skip_verify.
func TestRedisTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSignedCert(t, dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tlsPort := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	_, err = redistest.StartServer(t, "--tls-port", fmt.Sprint(tlsPort), "--tls-cert-file", certFile,
		"--tls-key-file", keyFile, "--tls-ca-cert-file", certFile, "--tls-auth-clients", "no")
	if err != nil {
		redistest.Unavailable(t, "a redis-server built with TLS", err)
	}
	runID := redistest.Prefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	b, err := New(Options{Parties: 2, RunID: runID,
		Redis: fmt.Sprintf("rediss://127.0.0.1:%d/0?skip_verify=true", tlsPort)})
	require.NoError(t, err)
	for _, id := range []string{"1", "2"} {
		_, err := b.Join(ctx, id)
		require.NoError(t, err)
	}
	res, err := b.Wait(ctx, WaitOptions{Timeout: 10 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, OutcomeMet, res.Outcome)
	require.NoError(t, b.Reset(ctx))

	// The same server with verification on: the self-signed certificate is refused, promptly.
	verified, err := New(Options{Parties: 1, RunID: runID, Redis: fmt.Sprintf("rediss://127.0.0.1:%d/0", tlsPort)})
	require.NoError(t, err)
	_, err = verified.Join(ctx, "1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")
	_, err = verified.Wait(ctx, WaitOptions{Timeout: 30 * time.Second})
	require.Error(t, err, "wait() fails as join() does")
	assert.Contains(t, err.Error(), "certificate")
	assert.NotContains(t, err.Error(), "reads failing", "a certificate that does not verify is not retried")
	assert.Contains(t, err.Error(), fmt.Sprintf("127.0.0.1:%d", tlsPort))
}

// writeSelfSignedCert writes a self-signed certificate for 127.0.0.1 and its key as PEM files.
func writeSelfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "redistest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

package provider

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"strings"
	"time"
)

// Hash names the HMAC hash a scheme uses.
type Hash int

const (
	SHA1 Hash = iota
	SHA256
)

func (h Hash) new() func() hash.Hash {
	if h == SHA1 {
		return sha1.New
	}
	return sha256.New
}

// Encoding is how a scheme writes the MAC in its header.
type Encoding int

const (
	Hex Encoding = iota
	Base64
)

// Signature describes one HMAC header scheme.
type Signature struct {
	Header   string // e.g. "X-Hub-Signature"
	Prefix   string // e.g. "sha1=", or "" for none
	Hash     Hash
	Encoding Encoding
}

// Verify checks that the header holds the HMAC of the concatenated parts
// under secret, comparing in constant time.
func (sig Signature) Verify(h http.Header, secret []byte, parts ...[]byte) error {
	got, err := Single(h, sig.Header)
	if err != nil {
		return err
	}
	if got == "" {
		return &AuthError{Reason: "missing_signature", Msg: "missing " + sig.Header + " header"}
	}
	enc, ok := strings.CutPrefix(got, sig.Prefix)
	if !ok {
		return &AuthError{Reason: "bad_signature", Msg: sig.Header + " must start with " + sig.Prefix}
	}
	var mac []byte
	if sig.Encoding == Hex {
		mac, err = hex.DecodeString(enc)
	} else {
		mac, err = base64.StdEncoding.DecodeString(enc)
	}
	want := MAC(sig.Hash, secret, parts...)
	if err != nil || len(mac) != len(want) {
		return &AuthError{Reason: "bad_signature", Msg: sig.Header + " is not a well-formed signature"}
	}
	if !hmac.Equal(mac, want) {
		return &AuthError{Reason: "bad_signature", Msg: "signature does not match the body"}
	}
	return nil
}

// Single returns the value of a header that must come at most once ("" when
// absent). A repeated header is refused, not resolved: net/http reads the
// first value, API Gateway joins them with commas and a proxy may keep the
// last, so which value was checked must not depend on the route taken.
func Single(h http.Header, name string) (string, error) {
	vs := h.Values(name)
	if len(vs) > 1 {
		return "", &AuthError{Reason: "bad_signature", Msg: name + " header sent more than once"}
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

// Sign returns the header value for the parts; tests and fixtures use it.
func (sig Signature) Sign(secret []byte, parts ...[]byte) string {
	mac := MAC(sig.Hash, secret, parts...)
	if sig.Encoding == Hex {
		return sig.Prefix + hex.EncodeToString(mac)
	}
	return sig.Prefix + base64.StdEncoding.EncodeToString(mac)
}

// MAC returns HMAC(secret, parts concatenated).
func MAC(h Hash, secret []byte, parts ...[]byte) []byte {
	m := hmac.New(h.new(), secret)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// CheckTimestamp refuses a signed timestamp outside the window around now:
// a replayed request, or a sender clock far off.
func CheckTimestamp(ts time.Time, s Settings) error {
	window := s.Window
	if window <= 0 {
		window = DefaultWindow
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if d := now().Sub(ts); d > window || d < -window {
		return &AuthError{Reason: "stale_timestamp", Msg: "signed timestamp is outside the " + window.String() + " window"}
	}
	return nil
}

// EqualSecret compares a presented token with the secret in constant time,
// hashing both first so that not even the secret's length leaks.
func EqualSecret(presented string, secret []byte) bool {
	a, b := sha256.Sum256([]byte(presented)), sha256.Sum256(secret)
	return hmac.Equal(a[:], b[:])
}

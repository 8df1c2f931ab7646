package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// password is the password of every demo account.
const password = "password"

var (
	// errBadCredentials: unknown user or wrong password.
	errBadCredentials = errors.New("invalid email or password")
	// errInjectedLogin: the login was refused by -login-fail-rate.
	errInjectedLogin = errors.New("login refused (injected failure)")
)

// authenticator checks the demo accounts user1..userN@example.com and issues
// stateless tokens: the user id with an HMAC under a per-process key.
type authenticator struct {
	users    int
	key      []byte
	inject   injector
	failRate float64
}

// newAuthenticator returns an authenticator of the accounts 1..users with a fresh
// token key; failRate of them are refused by inject.
func newAuthenticator(users int, inject injector, failRate float64) *authenticator {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	return &authenticator{users: users, key: key, inject: inject, failRate: failRate}
}

// userID returns the user id n of "user<n>@example.com", if such a user exists.
func (a *authenticator) userID(email string) (string, bool) {
	local, ok := strings.CutSuffix(strings.ToLower(email), "@example.com")
	if !ok {
		return "", false
	}
	digits, ok := strings.CutPrefix(local, "user")
	if !ok {
		return "", false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > a.users || strconv.Itoa(n) != digits {
		return "", false
	}
	return digits, true
}

// login checks the credentials and returns an access token.
func (a *authenticator) login(email, pass string) (string, error) {
	id, ok := a.userID(email)
	if !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(password)) != 1 {
		return "", errBadCredentials
	}
	if a.inject.hit("login", id, a.failRate) {
		return "", errInjectedLogin
	}
	return a.token(id), nil
}

func (a *authenticator) token(userID string) string {
	return userID + "." + base64.RawURLEncoding.EncodeToString(a.mac(userID))
}

func (a *authenticator) mac(userID string) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(userID))
	return m.Sum(nil)
}

// verify returns the user id of a token issued by login.
func (a *authenticator) verify(token string) (string, bool) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, a.mac(id)) {
		return "", false
	}
	return id, true
}

// fromRequest returns the user id of the request's "Authorization: Bearer"
// token.
func (a *authenticator) fromRequest(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return a.verify(strings.TrimSpace(token))
}

package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		failRate  float64
		body      string
		status    int
		wantError string // substring of the "error" field; "" expects a token
	}{
		{name: "ok", body: `{"email":"user1@example.com","password":"password"}`, status: http.StatusOK},
		{name: "last user", body: `{"email":"user50@example.com","password":"password"}`, status: http.StatusOK},
		{name: "email case", body: `{"email":"User7@Example.com","password":"password"}`, status: http.StatusOK},
		{name: "bad password", body: `{"email":"user1@example.com","password":"nope"}`, status: http.StatusUnauthorized, wantError: "invalid email or password"},
		{name: "user beyond -users", body: `{"email":"user51@example.com","password":"password"}`, status: http.StatusUnauthorized, wantError: "invalid email or password"},
		{name: "user0", body: `{"email":"user0@example.com","password":"password"}`, status: http.StatusUnauthorized, wantError: "invalid email or password"},
		{name: "leading zero", body: `{"email":"user01@example.com","password":"password"}`, status: http.StatusUnauthorized, wantError: "invalid email or password"},
		{name: "other domain", body: `{"email":"user1@example.org","password":"password"}`, status: http.StatusUnauthorized, wantError: "invalid email or password"},
		{name: "injected failure", failRate: 1, body: `{"email":"user1@example.com","password":"password"}`, status: http.StatusUnauthorized, wantError: "injected failure"},
		{name: "injected failure keeps bad password an ordinary 401", failRate: 1, body: `{"email":"user1@example.com","password":"x"}`, status: http.StatusUnauthorized, wantError: "invalid email or password"},
		{name: "malformed JSON", body: `{"email":`, status: http.StatusBadRequest, wantError: "malformed JSON"},
		{name: "missing password", body: `{"email":"user1@example.com"}`, status: http.StatusBadRequest, wantError: "required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, func(c *Config) { c.LoginFailRate = tc.failRate })
			status, body := env.post("/api/auth/login", tc.body)
			require.Equal(t, tc.status, status, "%v", body)
			if tc.wantError != "" {
				require.Contains(t, body["error"], tc.wantError)
				require.NotContains(t, body, "accessToken")
				return
			}
			tok, _ := body["accessToken"].(string)
			user, ok := env.srv.auth.verify(tok)
			require.True(t, ok, "token %q does not verify", tok)
			require.NotEmpty(t, user)
		})
	}
}

func TestLoginFailRateIsPerUserAndReproducible(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.LoginFailRate = 0.5; c.Seed = 42 })
	other := newAuthenticator(50, injector{seed: 42}, 0.5)
	refused := 0
	for n := 1; n <= 50; n++ {
		status, body := env.post("/api/auth/login", `{"email":"user`+itoa(n)+`@example.com","password":"password"}`)
		_, err := other.login("user"+itoa(n)+"@example.com", "password")
		if status == http.StatusUnauthorized {
			refused++
			require.ErrorIs(t, err, errInjectedLogin, "user%d: same seed must refuse the same users", n)
			again, _ := env.post("/api/auth/login", `{"email":"user`+itoa(n)+`@example.com","password":"password"}`)
			require.Equal(t, http.StatusUnauthorized, again, "a retry of user%d must be refused again", n)
		} else {
			require.Equal(t, http.StatusOK, status, "%v", body)
			require.NoError(t, err)
		}
	}
	require.Greater(t, refused, 0)
	require.Less(t, refused, 50)
}

func TestTokens(t *testing.T) {
	t.Parallel()
	a := newAuthenticator(10, injector{}, 0)
	b := newAuthenticator(10, injector{}, 0)
	tok, err := a.login("user3@example.com", "password")
	require.NoError(t, err)
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"issued", tok, true},
		{"other process key", mustLogin(t, b, 3), false},
		{"forged user", "4" + tok[1:], false},
		{"no signature", "3", false},
		{"garbage signature", "3.%%%", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			user, ok := a.verify(tc.token)
			require.Equal(t, tc.ok, ok)
			if ok {
				require.Equal(t, "3", user)
			}
		})
	}
}

func mustLogin(t *testing.T, a *authenticator, n int) string {
	t.Helper()
	tok, err := a.login("user"+itoa(n)+"@example.com", "password")
	require.NoError(t, err)
	return tok
}

package main

import (
	"encoding/json"
	"errors"
	"net/http"
)

// loginRequest is the body of POST /api/auth/login.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// loginResponse is the body of a successful login.
type loginResponse struct {
	AccessToken string `json:"accessToken"`
}

// handleLogin serves POST /api/auth/login: 200 {"accessToken"}, 400 on a
// malformed body, 401 {"error"} on bad credentials or an injected failure.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON body: "+err.Error())
		return
	}
	if req.Email == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "email and password are required")
		return
	}
	token, err := s.auth.login(req.Email, req.Password)
	switch {
	case errors.Is(err, errBadCredentials), errors.Is(err, errInjectedLogin):
		writeError(w, http.StatusUnauthorized, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, loginResponse{AccessToken: token})
	}
}

package apiserver

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// requireToken answers 401 to every request but /healthz that lacks "Authorization: Bearer
// <token>" (API.md, Auth). The comparison takes constant time.
func (s *Server) requireToken(next http.Handler) http.Handler {
	want := []byte(s.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		header := strings.TrimSpace(r.Header.Get("Authorization"))
		scheme, token, _ := strings.Cut(header, " ")
		// The scheme is case-insensitive (RFC 7235); the token is compared in constant time.
		got := []byte(strings.TrimSpace(token))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="relmongo"`)
			msg := "missing API token: send the header Authorization: Bearer <token>"
			if header != "" {
				msg = "wrong API token"
			}
			s.writeError(w, http.StatusUnauthorized, msg, "", "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

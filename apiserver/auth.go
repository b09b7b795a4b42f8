package apiserver

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// requireToken answers 401 to every request but /healthz that lacks "Authorization: Bearer
// <token>" (API.md, Auth). The comparison takes constant time.
func (s *Server) requireToken(next http.Handler) http.Handler {
	want := []byte("Bearer " + s.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		got := []byte(strings.TrimSpace(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="relmongo"`)
			msg := "missing API token: send the header Authorization: Bearer <token>"
			if len(got) > 0 {
				msg = "wrong API token"
			}
			s.writeError(w, http.StatusUnauthorized, msg, "", "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

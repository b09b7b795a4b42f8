package apiserver

import "github.com/gorilla/mux"

// controlRoutes registers job control (pause/resume/stop) and per-table progress.
func (s *Server) controlRoutes(api *mux.Router) {}

package apiserver

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/savedconn"
	"github.com/relmongo/relmongo/internal/store"
)

// maxConnectionIDLen bounds the ids users give saved connections.
const maxConnectionIDLen = 64

// savedIDs name saved connections of a job: in its status object (ext), the ones it used or
// saved; in a schedule, the ones its runs resolve when they fire.
type savedIDs struct {
	JDBC  string `json:"jdbcConnectionId,omitempty"`
	Mongo string `json:"mongoDbConnectionId,omitempty"`
}

// connectionUse is what a request does with saved connections.
type connectionUse struct {
	// ids are the saved connections the request used or saves (reported to the client).
	ids savedIDs
	// refs are the saved connections the effective connections are, unchanged: named without a
	// user or password override, or just saved. A schedule refers to these by id.
	refs savedIDs
	// saves are the sealed records to write once every check has passed.
	saves []store.Connection
}

// savedConnectionProblems checks the saved-connection fields of one connection details object.
func savedConnectionProblems(p *requestProblems, field, id, existing string, save bool) {
	if existing != "" && (!idPattern.MatchString(existing) || len(existing) > maxConnectionIDLen) {
		p.bad("%s.existingConnectionId %q must match ^[A-Za-z0-9-]+$ and be at most %d characters", field, existing, maxConnectionIDLen)
	}
	if save && id != "" && (!idPattern.MatchString(id) || len(id) > maxConnectionIDLen) {
		p.bad("%s.id %q (the id to save the connection under) must match ^[A-Za-z0-9-]+$ and be at most %d characters", field, id, maxConnectionIDLen)
	}
}

// loadSaved reads a saved connection; it answers 404 (unknown id) or 500 itself.
func (s *Server) loadSaved(w http.ResponseWriter, r *http.Request, field, id string) (store.Connection, bool) {
	c, err := s.store.GetConnection(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, http.StatusNotFound, "saved connection "+strconv.Quote(id)+" not found",
			field+".existingConnectionId names no saved connection: list them with GET /api/v1/connections, or send the connection details (with savePassword: true to save them)", "")
		return c, false
	}
	if err != nil {
		s.storeError(w, err, "saved connection "+id)
		return c, false
	}
	return c, true
}

// savedError answers a savedconn error: 400 for a request that contradicts the connection, 422
// for a connection that cannot be opened.
func (s *Server) savedError(w http.ResponseWriter, err error) {
	status := http.StatusUnprocessableEntity
	if errors.Is(err, savedconn.ErrInvalid) {
		status = http.StatusBadRequest
	}
	s.writeError(w, status, "the saved connection cannot be used this way", err.Error(), "")
}

// resolveSaved fills the connection fields of a request from the saved connections it names by
// existingConnectionId (savedconn's rules), so that the rest of the handler sees complete
// details. Either argument may be nil. On a problem it answers the request and returns false.
func (s *Server) resolveSaved(w http.ResponseWriter, r *http.Request, jdbc *jdbcDetails, mongo *mongoDetails) (connectionUse, bool) {
	var use connectionUse
	if jdbc != nil && jdbc.ExistingConnectionID != "" {
		id := jdbc.ExistingConnectionID
		c, ok := s.loadSaved(w, r, "jdbcConnectionDetails", id)
		if !ok {
			return use, false
		}
		saved, err := savedconn.OpenSource(s.key, c)
		if err == nil {
			url := ""
			if jdbc.URL != nil {
				url = *jdbc.URL
			}
			saved, err = savedconn.MergeSource(id, saved, *jdbc.Type, url, jdbc.User, jdbc.Password)
		}
		if err != nil {
			s.savedError(w, err)
			return use, false
		}
		use.ids.JDBC = id
		if jdbc.User == "" && jdbc.Password == "" {
			use.refs.JDBC = id
		}
		jdbc.URL, jdbc.User, jdbc.Password = &saved.URL, saved.User, saved.Password
	}
	if mongo != nil && mongo.ExistingConnectionID != "" {
		id := mongo.ExistingConnectionID
		c, ok := s.loadSaved(w, r, "mongodbConnectionDetails", id)
		if !ok {
			return use, false
		}
		saved, err := savedconn.OpenTarget(s.key, c)
		if err == nil {
			given := ""
			if mongo.ConnectionString != nil {
				given = *mongo.ConnectionString
			}
			saved, err = savedconn.MergeTarget(id, saved, given)
		}
		if err != nil {
			s.savedError(w, err)
			return use, false
		}
		use.ids.Mongo, use.refs.Mongo = id, id
		mongo.ConnectionString = &saved.ConnectionString
	}
	return use, true
}

// planSaves seals the effective connections that savePassword asks to save, under the request's
// id, else the saved connection it named, else a new UUID. src and mongoURI are the parsed
// effective connections (mongo may be nil).
func (s *Server) planSaves(w http.ResponseWriter, use *connectionUse, jdbc *jdbcDetails, src connstr.Source, mongo *mongoDetails, mongoURI string) bool {
	pick := func(id, existing string) string {
		switch {
		case id != "":
			return id
		case existing != "":
			return existing
		}
		return uuid.NewString()
	}
	if jdbc != nil && jdbc.SavePassword {
		id := pick(jdbc.ID, jdbc.ExistingConnectionID)
		c, err := savedconn.Seal(s.key, id, savedconn.Source{Type: src.Type, URL: *jdbc.URL, User: jdbc.User, Password: jdbc.Password}, src.Masked())
		if err != nil {
			s.log.Error("sealing a connection to save", "error", err)
			s.writeError(w, http.StatusInternalServerError, "internal error sealing the connection", "", "")
			return false
		}
		use.saves = append(use.saves, c)
		use.ids.JDBC, use.refs.JDBC = id, id
	}
	if mongo != nil && mongo.SavePassword {
		id := pick(mongo.ID, mongo.ExistingConnectionID)
		c, err := savedconn.Seal(s.key, id, savedconn.Target{ConnectionString: mongoURI}, connstr.MaskMongoURI(mongoURI))
		if err != nil {
			s.log.Error("sealing a connection to save", "error", err)
			s.writeError(w, http.StatusInternalServerError, "internal error sealing the connection", "", "")
			return false
		}
		use.saves = append(use.saves, c)
		use.ids.Mongo, use.refs.Mongo = id, id
	}
	return true
}

// saveConnections writes the planned saves. Saving under the id of a connection of the same kind
// replaces it (keeping its createdAt); an id taken by the other kind is a 409.
func (s *Server) saveConnections(w http.ResponseWriter, r *http.Request, use connectionUse) bool {
	for _, c := range use.saves {
		old, err := s.store.GetConnection(r.Context(), c.ID)
		if err == nil && old.Kind != c.Kind {
			s.writeError(w, http.StatusConflict, "saved connection "+strconv.Quote(c.ID)+" is a "+savedconn.TypeOf(old)+" connection",
				"save this "+c.Kind+" connection under another id (the details' id field), or delete the other one (DELETE /api/v1/connections/"+c.ID+")", "")
			return false
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.storeError(w, err, "saved connection "+c.ID)
			return false
		}
		if err := s.store.PutConnection(r.Context(), c); err != nil {
			s.storeError(w, err, "saved connection "+c.ID)
			return false
		}
		s.log.Info("connection saved", "connection", c.ID, "kind", c.Kind)
	}
	return true
}

// connectionView is a saved connection as the API lists it: never a secret, never ciphertext.
type connectionView struct {
	ID string `json:"id"`
	// Kind is JDBC (a source) or MONGODB (a target).
	Kind string `json:"kind"`
	// Type is the source type (POSTGRESQL, SQL_SERVER, SQLITE) or MONGODB.
	Type      string `json:"type"`
	URL       string `json:"url"`
	CreatedAt string `json:"createdAt"`
}

func viewOf(c store.Connection) connectionView {
	return connectionView{ID: c.ID, Kind: c.Kind, Type: savedconn.TypeOf(c), URL: c.MaskedURL, CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339)}
}

func (s *Server) connectionRoutes(api *mux.Router) {
	api.HandleFunc("/connections", s.listConnections).Methods(http.MethodGet)
	api.HandleFunc("/connections/{connectionId}", s.getConnection).Methods(http.MethodGet)
	api.HandleFunc("/connections/{connectionId}", s.deleteConnection).Methods(http.MethodDelete)
}

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request) {
	cs, err := s.store.ListConnections(r.Context())
	if err != nil {
		s.storeError(w, err, "saved connections")
		return
	}
	out := make([]connectionView, 0, len(cs))
	for _, c := range cs {
		out = append(out, viewOf(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// connectionByID reads the connection of the {connectionId} route variable; it answers errors.
func (s *Server) connectionByID(w http.ResponseWriter, r *http.Request) (store.Connection, bool) {
	id := mux.Vars(r)["connectionId"]
	if !idPattern.MatchString(id) {
		s.writeError(w, http.StatusBadRequest, "invalid connection id "+strconv.Quote(id), "ids match ^[A-Za-z0-9-]+$", "")
		return store.Connection{}, false
	}
	c, err := s.store.GetConnection(r.Context(), id)
	if err != nil {
		s.storeError(w, err, "saved connection "+id)
		return store.Connection{}, false
	}
	return c, true
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.connectionByID(w, r); ok {
		writeJSON(w, http.StatusOK, viewOf(c))
	}
}

// deleteConnection deletes a saved connection and answers its last view. Jobs already started
// keep their own sealed copy; schedules that name it fail their next runs with a setup error
// that says so.
func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) {
	c, ok := s.connectionByID(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteConnection(r.Context(), c.ID); err != nil {
		s.storeError(w, err, "saved connection "+c.ID)
		return
	}
	s.log.Info("saved connection deleted", "connection", c.ID)
	writeJSON(w, http.StatusOK, viewOf(c))
}

package tests

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/relmongo/relmongo/internal/chinook"
)

// sqlTable is a table read back for building expected documents: rows in key order, each a list
// of (column, typed value) in column order.
type sqlTable struct {
	cols []string
	rows [][]any
	byPK map[int32][]any
}

func (t *sqlTable) get(r []any, col string) any { return r[slices.Index(t.cols, col)] }

// loadTable reads a Chinook table with the demo project's types: integers as int32, text and
// numerics (overridden to STRING) as their exact text, timestamps as BSON dates.
func loadTable(t *testing.T, conn *pgx.Conn, table, orderBy string) *sqlTable {
	t.Helper()
	cols, types := tableColumns(t, conn, table)
	exprs := make([]string, len(cols))
	for i, c := range cols {
		// Positional aliases: ORDER BY must mean the typed columns, not their text.
		exprs[i] = fmt.Sprintf("%s::text AS c%d", pgx.Identifier{c}.Sanitize(), i)
	}
	q := fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(exprs, ", "), pgx.Identifier{table}.Sanitize(), orderBy)
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	st := &sqlTable{cols: cols, byPK: map[int32][]any{}}
	for rows.Next() {
		texts := make([]*string, len(cols))
		dest := make([]any, len(cols))
		for i := range texts {
			dest[i] = &texts[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		r := make([]any, len(cols))
		for i, s := range texts {
			if s == nil {
				continue
			}
			switch types[i] {
			case "integer":
				n, _ := strconv.ParseInt(*s, 10, 32)
				r[i] = int32(n)
			case "timestamp without time zone":
				tm, err := time.Parse("2006-01-02 15:04:05", *s)
				if err != nil {
					t.Fatal(err)
				}
				r[i] = primitive.NewDateTimeFromTime(tm)
			default:
				r[i] = *s
			}
		}
		st.rows = append(st.rows, r)
		if v, ok := r[0].(int32); ok {
			st.byPK[v] = r
		}
	}
	return st
}

// fields returns the row's columns as an ordered document with camelCase names, leaving out skip.
func (t *sqlTable) fields(r []any, skip ...string) bson.D {
	var d bson.D
	for i, c := range t.cols {
		if slices.Contains(skip, c) {
			continue
		}
		d = append(d, bson.E{Key: camel(c), Value: r[i]})
	}
	return d
}

// TestChinookEmbeddedDocuments runs the demo project (embedding) and compares every document of
// every collection, field order and array order included, with documents the test builds itself
// from PostgreSQL following MAPPING.md.
func TestChinookEmbeddedDocuments(t *testing.T) {
	t.Parallel()
	checkChinookEmbedded(t, map[string]any{"chunkRows": 50})
}

// TestEmbeddingSmallGroups: the same documents when a chunk's root rows are built in many small
// groups (chunkBytes of 4 KiB leaves room for a root row or a few with their children), each
// group fetching the rows of every embedded table on its own after the root rows are read.
func TestEmbeddingSmallGroups(t *testing.T) {
	t.Parallel()
	checkChinookEmbedded(t, map[string]any{"chunkRows": 5000, "chunkBytes": 4096})
}

// checkChinookEmbedded runs the Chinook project with opts and compares every collection with
// documents built here from the source tables.
func checkChinookEmbedded(t *testing.T, opts map[string]any) {
	db, srcURL := chinookDB(t)
	projectID := importProject(t, chinook.PostgresProject())
	runJob(t, jobRequest(projectID, srcURL, db, opts))
	conn := pgConn(t, srcURL)
	artist := loadTable(t, conn, "artist", "artist_id")
	album := loadTable(t, conn, "album", "album_id")
	albumByTitle := loadTable(t, conn, "album", "artist_id, title")
	genre := loadTable(t, conn, "genre", "genre_id")
	media := loadTable(t, conn, "media_type", "media_type_id")
	track := loadTable(t, conn, "track", "track_id")
	employee := loadTable(t, conn, "employee", "employee_id")
	customer := loadTable(t, conn, "customer", "customer_id")
	invoice := loadTable(t, conn, "invoice", "invoice_id")
	line := loadTable(t, conn, "invoice_line", "invoice_line_id")
	playlist := loadTable(t, conn, "playlist", "playlist_id")
	pt := loadTable(t, conn, "playlist_track", "playlist_id, track_id")

	lookup := func(tb *sqlTable, id any, build func([]any) bson.D) any {
		n, ok := id.(int32)
		if !ok {
			return nil
		}
		r, ok := tb.byPK[n]
		if !ok {
			return nil
		}
		return build(r)
	}
	artistDoc := func(r []any) bson.D { return artist.fields(r) }
	albumDoc := func(r []any) bson.D {
		return append(album.fields(r, "artist_id"), bson.E{Key: "artist", Value: lookup(artist, album.get(r, "artist_id"), artistDoc)})
	}
	trackParts := func(r []any, skip ...string) bson.D {
		d := track.fields(r, append([]string{"album_id", "genre_id", "media_type_id"}, skip...)...)
		d = append(d, bson.E{Key: "album", Value: lookup(album, track.get(r, "album_id"), albumDoc)})
		d = append(d, bson.E{Key: "genre", Value: lookup(genre, track.get(r, "genre_id"), func(g []any) bson.D { return genre.fields(g) })})
		return append(d, bson.E{Key: "mediaType", Value: lookup(media, track.get(r, "media_type_id"), func(m []any) bson.D { return media.fields(m) })})
	}
	withID := func(id any, d bson.D) bson.D { return append(bson.D{{Key: "_id", Value: id}}, d...) }
	children := func(tb *sqlTable, fk string, parent int32) [][]any {
		var out [][]any
		for _, r := range tb.rows {
			if tb.get(r, fk) == parent {
				out = append(out, r)
			}
		}
		return out
	}

	want := map[string][]bson.D{}
	for _, r := range customer.rows {
		d := customer.fields(r, "customer_id", "support_rep_id")
		d = append(d, bson.E{Key: "supportRep", Value: lookup(employee, customer.get(r, "support_rep_id"), func(e []any) bson.D { return employee.fields(e, "reports_to") })})
		want["customers"] = append(want["customers"], withID(r[0], d))
	}
	for _, r := range employee.rows {
		d := employee.fields(r, "employee_id", "reports_to")
		d = append(d, bson.E{Key: "manager", Value: lookup(employee, employee.get(r, "reports_to"), func(e []any) bson.D {
			return employee.fields(e, "reports_to", "birth_date", "hire_date", "address", "city", "state", "country", "postal_code", "fax")
		})})
		want["employees"] = append(want["employees"], withID(r[0], d))
	}
	for _, r := range invoice.rows {
		d := invoice.fields(r, "invoice_id", "customer_id")
		d = append(d, bson.E{Key: "customer", Value: lookup(customer, invoice.get(r, "customer_id"), func(c []any) bson.D { return customer.fields(c, "support_rep_id") })})
		lines := bson.A{}
		for _, l := range children(line, "invoice_id", r[0].(int32)) {
			ld := line.fields(l, "invoice_id", "track_id")
			ld = append(ld, bson.E{Key: "track", Value: lookup(track, line.get(l, "track_id"), func(tr []any) bson.D { return trackParts(tr) })})
			lines = append(lines, ld)
		}
		d = append(d, bson.E{Key: "lines", Value: lines})
		want["invoices"] = append(want["invoices"], withID(r[0], d))
	}
	for _, r := range artist.rows {
		albums, titles := bson.A{}, bson.A{}
		for _, a := range children(album, "artist_id", r[0].(int32)) {
			albums = append(albums, album.fields(a, "artist_id"))
		}
		for _, a := range children(albumByTitle, "artist_id", r[0].(int32)) {
			titles = append(titles, albumByTitle.get(a, "title"))
		}
		want["artists"] = append(want["artists"], withID(r[0], append(artist.fields(r, "artist_id"), bson.E{Key: "albums", Value: albums})))
		want["artistAlbumTitles"] = append(want["artistAlbumTitles"], withID(r[0], append(artist.fields(r, "artist_id"), bson.E{Key: "albumTitles", Value: titles})))
	}
	for _, r := range playlist.rows {
		tracks := bson.A{}
		for _, p := range children(pt, "playlist_id", r[0].(int32)) {
			tr := track.byPK[pt.get(p, "track_id").(int32)]
			tracks = append(tracks, track.fields(tr, "album_id", "genre_id", "media_type_id"))
		}
		want["playlists"] = append(want["playlists"], withID(r[0], append(playlist.fields(r, "playlist_id"), bson.E{Key: "tracks", Value: tracks})))
	}
	for _, r := range track.rows {
		want["tracks"] = append(want["tracks"], withID(r[0], trackParts(r, "track_id")))
	}
	for _, r := range genre.rows {
		want["genres"] = append(want["genres"], withID(r[0], genre.fields(r, "genre_id")))
	}
	for _, r := range media.rows {
		want["mediaTypes"] = append(want["mediaTypes"], withID(r[0], media.fields(r, "media_type_id")))
	}

	for coll, docs := range want {
		compareDocuments(t, db, coll, docs)
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

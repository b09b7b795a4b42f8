package assemble

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
)

// TestGeneratedIDGolden pins the GENERATED _id of MAPPING.md for a few keys. The expected
// ObjectId is computed here independently of the code under test — SHA-256 over the collection
// name, a zero byte and the canonical Extended JSON of the key document written by hand — and is
// also hard-coded, so that any change of the derivation (field names, order, value encoding,
// separator) fails this test: re-runs of existing jobs would otherwise duplicate documents.
func TestGeneratedIDGolden(t *testing.T) {
	tests := []struct {
		name       string
		settings   project.Settings
		collection project.Collection
		root       rec
		keyDoc     bson.D // the key document, built without the builder
		keyJSON    string // its canonical Extended JSON, by hand
		hexID      string // the first 12 bytes of the hash, pinned
		wantDoc    string // the whole document, pinned
	}{
		{
			name:       "int key",
			collection: project.Collection{Name: "artists", Table: ref("artist")},
			root:       rec{"artist_id": int64(1), "name": "AC/DC"},
			keyDoc:     bson.D{{Key: "artist_id", Value: int32(1)}},
			keyJSON:    `{"artist_id":{"$numberInt":"1"}}`,
			hexID:      "aa63a83bd4bac136fb1f7237",
			wantDoc:    `{"_id":{"$oid":"aa63a83bd4bac136fb1f7237"},"artist_id":{"$numberInt":"1"},"name":"AC/DC"}`,
		},
		{
			// Casing renames the fields but never the key document: the _id stays the same.
			name:       "composite key with a string, under CAMEL_CASE",
			settings:   project.Settings{Casing: project.CasingCamel},
			collection: project.Collection{Name: "tags", Table: ref("tag")},
			root:       rec{"tag_group": int64(7), "tag_name": "blue", "color": "#00f"},
			keyDoc:     bson.D{{Key: "tag_group", Value: int32(7)}, {Key: "tag_name", Value: "blue"}},
			keyJSON:    `{"tag_group":{"$numberInt":"7"},"tag_name":"blue"}`,
			hexID:      "c52a84362e18b94fd337825d",
			wantDoc:    `{"_id":{"$oid":"c52a84362e18b94fd337825d"},"tagGroup":{"$numberInt":"7"},"tagName":"blue","color":"#00f"}`,
		},
		{
			name:       "date key",
			collection: project.Collection{Name: "days", Table: ref("daily")},
			root:       rec{"day": convert.Date{Year: 2024, Month: 1, Day: 15}, "total": int64(3)},
			keyDoc:     bson.D{{Key: "day", Value: primitive.DateTime(1705276800000)}},
			keyJSON:    `{"day":{"$date":{"$numberLong":"1705276800000"}}}`,
			hexID:      "628869c8e06ad2a2b9dd2210",
			wantDoc:    `{"_id":{"$oid":"628869c8e06ad2a2b9dd2210"},"day":{"$date":{"$numberLong":"1705276800000"}},"total":{"$numberInt":"3"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum := sha256.Sum256([]byte(tc.collection.Name + "\x00" + tc.keyJSON))
			if got := hex.EncodeToString(sum[:12]); got != tc.hexID {
				t.Fatalf("the test's own derivation gives %s, pinned %s: fix the test data", got, tc.hexID)
			}

			raw, err := bson.Marshal(tc.keyDoc)
			if err != nil {
				t.Fatal(err)
			}
			oid, err := GeneratedID(tc.collection.Name, raw)
			if err != nil {
				t.Fatal(err)
			}
			if oid.Hex() != tc.hexID {
				t.Errorf("GeneratedID = %s, want %s", oid.Hex(), tc.hexID)
			}

			tc.settings.KeyHandling = project.KeyGenerated
			f := newFixture(t)
			plan := f.plan(tc.settings, tc.collection)
			got := f.build(plan, []rec{tc.root, tc.root})
			if got[0] != tc.wantDoc {
				t.Errorf("document %s, want %s", got[0], tc.wantDoc)
			}
			if got[1] != got[0] {
				t.Errorf("the same row gave two documents: %s and %s", got[0], got[1])
			}
		})
	}
}

// TestGeneratedIDDependsOnCollection: one key in two collections gives two _ids, so collections
// built from one table never share documents' identities.
func TestGeneratedIDDependsOnCollection(t *testing.T) {
	raw, err := bson.Marshal(bson.D{{Key: "artist_id", Value: int32(1)}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := GeneratedID("artists", raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GeneratedID("artistAlbums", raw)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("same _id %s in two collections", a.Hex())
	}
	if _, err := GeneratedID("artists", []byte{1, 2, 3}); err == nil {
		t.Error("GeneratedID accepted a malformed key document")
	}
}

// TestKeylessRowsGetFreshObjectIDs: a table without any key has no identity to derive an _id
// from, so each document gets a new ObjectId (MAPPING.md, Keys; the staging collection makes a
// re-run replace the target instead of duplicating it).
func TestKeylessRowsGetFreshObjectIDs(t *testing.T) {
	f := newFixture(t)
	plan := f.plan(project.Settings{}, project.Collection{Name: "events", Table: ref("event_log")})
	if !plan.Staging || plan.KeyHandling != project.KeyGenerated {
		t.Fatalf("plan staging=%v keyHandling=%s, want a GENERATED staging plan", plan.Staging, plan.KeyHandling)
	}
	b, err := New(plan, convert.Options{}, convert.TargetLimits{})
	if err != nil {
		t.Fatal(err)
	}
	row := f.row(&plan.Root, rec{"message": "started"})
	var ids []primitive.ObjectID
	for range 2 {
		doc, rerr := b.Build(row)
		if rerr != nil {
			t.Fatal(rerr)
		}
		var got struct {
			ID      primitive.ObjectID `bson:"_id"`
			Message string             `bson:"message"`
		}
		if err := bson.Unmarshal(doc, &got); err != nil {
			t.Fatal(err)
		}
		if got.ID.IsZero() || got.Message != "started" {
			t.Errorf("document %s", extJSON(t, doc))
		}
		ids = append(ids, got.ID)
	}
	if ids[0] == ids[1] {
		t.Errorf("two builds gave the same _id %s", ids[0].Hex())
	}
}

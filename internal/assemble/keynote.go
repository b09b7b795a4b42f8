package assemble

import (
	"fmt"
	"strings"

	"github.com/relmongo/relmongo/internal/convert"
)

// keyMergingNotes are the lossy conversions that can give two distinct source keys the same
// value, and so the same _id: the later row would silently replace the earlier one in MongoDB.
// A value of a root key column (SINGLE, WRAPPED or GENERATED _id) with one of these notes makes
// its row a record error instead (TYPES.md); in any other field the note stays a WARNING.
//
//   - NoteSubMillisecondTruncated: 00:00:00.0001 and 00:00:00.0002 both become 00:00:00.000.
//   - NoteDSTGap: a wall time in a spring-forward gap is read with the offset before the gap,
//     which is the same instant as the wall time one gap-length later (02:30 and 03:30 on
//     2024-03-10 in America/New_York are both 07:30Z).
//
// NoteDSTAmbiguous is not one of them: an ambiguous wall time always takes the earlier offset,
// so distinct wall times still give distinct, equally ordered instants. NoteFallbackText keeps
// the source's full text. Embedded tables' keys never form an _id, so only the root is checked.
const keyMergingNotes = convert.NoteSubMillisecondTruncated | convert.NoteDSTGap

// keyNoteReason explains why the key value v of column name cannot form an _id, and what to do.
func keyNoteReason(name string, v any, note convert.Note) string {
	var why, fix []string
	if note&convert.NoteSubMillisecondTruncated != 0 {
		why = append(why, fmt.Sprintf("has digits below the millisecond (%s); as a BSON Date (milliseconds) the _id would collide with other rows that differ only below the millisecond", keyText(v)))
		fix = append(fix, "round the key to milliseconds in the source")
	}
	if note&convert.NoteDSTGap != 0 {
		why = append(why, fmt.Sprintf("holds the wall time %s, which does not exist in the job's sourceTimeZone (spring-forward gap); read with the offset before the gap it is the same instant as a wall time after the gap, so the _id could collide with another row", keyText(v)))
		fix = append(fix, "set the job's sourceTimeZone to the zone the wall times were recorded in")
	}
	return fmt.Sprintf("the key column %s %s: map the column to STRING in the project (TYPES.md) to keep the exact value, or %s",
		name, strings.Join(why, "; it also "), strings.Join(fix, " and "))
}

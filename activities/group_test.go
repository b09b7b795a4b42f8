package activities

import "testing"

// TestNextGroupRows: a group of root rows holds one batch at most, and fewer when the last
// group's rows with their children took more than the limit.
func TestNextGroupRows(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rows        int
		bytes       int64
		limit       int64
		most, wants int
	}{
		{"small rows: a full batch", 1000, 500_000, 4 << 20, 1000, 1000},
		{"children over the limit: split", 1000, 16 << 20, 4 << 20, 1000, 250},
		{"one huge row: one row a group", 10, 100 << 20, 4 << 20, 1000, 1},
		{"nothing measured yet", 0, 0, 4 << 20, 1000, 1000},
		{"test batch of 2", 2, 100, 4 << 20, 2, 2},
	} {
		if got := nextGroupRows(tc.rows, tc.bytes, tc.limit, tc.most); got != tc.wants {
			t.Errorf("%s: nextGroupRows(%d, %d, %d, %d) = %d, want %d", tc.name, tc.rows, tc.bytes, tc.limit, tc.most, got, tc.wants)
		}
	}
}

package assemble

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/relmongo/relmongo/internal/convert"
)

// keyText renders a key value for events and logs the way a data engineer would type it in SQL.
func keyText(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case [16]byte:
		h := hex.EncodeToString(x[:])
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case convert.Date:
		if x.Inf != 0 {
			return infText(x.Inf)
		}
		return fmt.Sprintf("%04d-%02d-%02d", x.Year, x.Month, x.Day)
	case convert.WallTime:
		if x.Inf != 0 {
			return infText(x.Inf)
		}
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d.%09d", x.Year, x.Month, x.Day, x.Hour, x.Minute, x.Second, x.Nanosecond)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case convert.Typed:
		return keyText(x.Value)
	}
	return fmt.Sprint(v)
}

func infText(inf int) string {
	if inf > 0 {
		return "infinity"
	}
	return "-infinity"
}

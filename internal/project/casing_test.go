package project

import "testing"

func TestApplyCasing(t *testing.T) {
	tests := []struct{ in, style, want string }{
		{"invoice_line_id", CasingCamel, "invoiceLineId"},
		{"InvoiceLineId", CasingSnake, "invoice_line_id"},
		{"InvoiceLineId", CasingKebab, "invoice-line-id"},
		{"invoice_line_id", CasingTitle, "InvoiceLineId"},
		{"invoiceLineId", CasingUpperSnake, "INVOICE_LINE_ID"},
		{"HTTPServerID", CasingSnake, "http_server_id"},
		{"address2", CasingCamel, "address2"},
		{"BillingAddress", CasingKeep, "BillingAddress"},
		{"", CasingSnake, ""},
		{"__x", CasingCamel, "x"},
	}
	for _, tc := range tests {
		if got := ApplyCasing(tc.in, tc.style); got != tc.want {
			t.Errorf("ApplyCasing(%q, %s) = %q, want %q", tc.in, tc.style, got, tc.want)
		}
	}
}

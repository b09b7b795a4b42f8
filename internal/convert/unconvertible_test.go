package convert

import "testing"

func TestUnconvertible(t *testing.T) {
	runValueCases(t, []valueCase{
		{name: "scalar", col: Column{Kind: KindInt32}, v: Unconvertible{Reason: "bad bounds; fix it"}, errSub: `column "c": bad bounds; fix it`},
		{name: "any kind", col: Column{Kind: KindJSON}, v: Unconvertible{Reason: "why"}, errSub: "why"},
		{name: "with override", col: Column{Kind: KindTime, Override: OverrideString}, v: Unconvertible{Reason: "odd time"}, errSub: "odd time"},
		{name: "empty reason", col: Column{Kind: KindText}, v: Unconvertible{}, errSub: "cannot be read exactly"},
		{name: "whole array", col: Column{Kind: KindArray, Element: KindInt32}, v: Unconvertible{Reason: "lower bound"}, errSub: "lower bound"},
		{name: "array element", col: Column{Kind: KindArray, Element: KindTime},
			v: Array{Dims: []int{2}, Elements: []any{"12:00:00", Unconvertible{Reason: "odd"}}}, errSub: "array element [1]: odd"},
	})
}

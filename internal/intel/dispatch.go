package intel

import (
	"context"
	"fmt"
)

// Parse reads a source with the parser of its format. A malformed input
// is a *ParseError and no result.
func Parse(ctx context.Context, src *Source) ([]*Result, error) {
	switch src.Format {
	case FormatMISPFeed:
		return ParseMISPFeed(ctx, src.fsys)
	case FormatOFACCSV:
		set := CSVSet{Source: src.list}
		roles := []*NamedReader{&set.SDN, &set.Alt, &set.Add, &set.Comments}
		for i, m := range src.set {
			if m.open == nil {
				continue
			}
			rc, err := src.openMember(m)
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			*roles[i] = NamedReader{Name: m.name, R: rc}
		}
		return ParseOFACCSV(ctx, set)
	}
	rc, err := src.openMember(src.file)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	one := func(r *Result, err error) ([]*Result, error) {
		if err != nil {
			return nil, err
		}
		return []*Result{r}, nil
	}
	switch src.Format {
	case FormatOFACAdvanced:
		return one(ParseOFACAdvanced(ctx, rc, src.Name))
	case FormatUN:
		return one(ParseUN(ctx, rc, src.Name))
	case FormatWallets:
		return one(ParseWallets(ctx, rc, src.Name, src.Chain))
	case FormatIndicatorCSV:
		return ParseIndicatorCSV(ctx, rc, src.Name)
	case FormatSTIX:
		return ParseSTIX(ctx, rc, src.Name)
	case FormatMISP:
		return ParseMISP(ctx, rc, src.Name)
	}
	return nil, &ParseError{File: src.Name, Reason: fmt.Sprintf("no parser for format %q", src.Format)}
}

// ParseAll parses every source; the first error stops it and no result is
// returned, so an import with one malformed file loads nothing.
func ParseAll(ctx context.Context, srcs []*Source) ([]*Result, error) {
	var all []*Result
	for _, s := range srcs {
		rs, err := Parse(ctx, s)
		if err != nil {
			return nil, err
		}
		all = append(all, rs...)
	}
	return all, nil
}

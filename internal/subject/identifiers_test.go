package subject

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringfence/ringfence/internal/normalize"
)

func TestIdentifiersNamesTheFieldOfEveryValue(t *testing.T) {
	rec := Record{
		ID: "a", Name: "Pak Chol", Aliases: []string{"Park Cheol"},
		Emails: []string{"P.Chol+x@gmail.com"}, Phones: []string{"020 7946 0958", "not a phone"},
		Addresses: []Address{
			{Kind: "home", Line1: "10 Downing St", City: "London", PostalCode: "SW1A 2AA", Country: "GB"},
			{Kind: "shipping", Text: "350 Fifth Ave, New York, NY 10118, US"},
		},
		IDDocuments:  []IDDocument{{Type: "passport", Country: "KP", Number: "745-310-001"}},
		BankAccounts: []string{"GB82 WEST 1234 5698 7654 32"},
		Wallets:      []string{"0x52908400098527886E0F7030069857D2E4169EE7"},
		IPs:          []string{"203.0.113.7"}, Devices: []string{"c02x-1234-jgh5"},
		URLs: []string{"https://github.com/PakChol?tab=repositories"},
	}
	ids, problems := Identifiers(&rec, normalize.Options{})
	type row struct{ Attr, Role, Kind, Canonical string }
	var got []row
	for _, id := range ids {
		got = append(got, row{id.Attribute, id.Role, string(id.Kind), id.Canonical})
	}
	want := []row{
		{"name", "", "name", "pak chol"},
		{"aliases[0]", "alias", "name", "park cheol"},
		{"emails[0]", "", "email", "pchol@gmail.com"},
		// no country code: read in the country of the first address (GB)
		{"phones[0]", "", "phone", "+442079460958"},
		{"addresses[0]", "home", "address", "10 DOWNING ST, LONDON, SW1A 2AA, GB"},
		{"addresses[1]", "shipping", "address", "350 5TH AVE, NEW YORK, NY 10118, US"},
		{"id_documents[0]", "passport", "id_document", "passport:KP:745310001"},
		{"bank_accounts[0]", "", "bank_account", "GB82WEST12345698765432"},
		{"wallets[0]", "", "wallet", "0x52908400098527886e0f7030069857d2e4169ee7"},
		{"ips[0]", "", "ip", "203.0.113.7"},
		{"devices[0]", "", "device", "C02X1234JGH5"},
		{"urls[0]", "", "url", "https://github.com/pakchol?tab=repositories"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identifiers (-want +got):\n%s", diff)
	}
	if len(problems) != 1 || problems[0].Attribute != "phones[1]" || problems[0].Value != "not a phone" {
		t.Errorf("problems = %+v, want one for phones[1]", problems)
	}
	if ids[0].Key("name_key") != ids[1].Key("name_key") {
		t.Errorf("Pak Chol and Park Cheol have keys %q and %q, want one", ids[0].Key("name_key"), ids[1].Key("name_key"))
	}
}

func TestAttributeNamesTheFieldAndIndex(t *testing.T) {
	for _, f := range []string{"aliases", "emails", "phones", "addresses", "id_documents", "bank_accounts", "wallets", "ips", "devices", "urls"} {
		for i := range 6 {
			if got, want := attribute(f, i), fmt.Sprintf("%s[%d]", f, i); got != want {
				t.Errorf("attribute(%q, %d) = %q, want %q", f, i, got, want)
			}
		}
	}
}

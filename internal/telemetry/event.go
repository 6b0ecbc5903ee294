// Package telemetry reads what security teams already collect about their
// people's devices — identity-provider sign-ins, osquery results, MDM
// inventories and a documented generic event format — into one event shape
// that laptop-farm detection (internal/farm) analyses.
//
// Each source is parsed from its own export format, with the vendors' field
// names. A line that cannot be read is reported with its file, line and
// field and the import goes on: telemetry is partial and messy, and one bad
// line must not hide the rest.
package telemetry

import (
	"net/netip"
	"strconv"
	"time"
)

// Event types.
const (
	// SignIn is an identity-provider or VPN authentication (Okta System Log).
	SignIn = "signin"
	// Seen is a device observed online with an address or location (an MDM
	// inventory row, an EDR heartbeat, a VPN session).
	Seen = "seen"
	// USB is a USB device attached to a managed device.
	USB = "usb"
	// Display is a display attached to a managed device (its EDID).
	Display = "display"
	// Program is a program installed or running on a managed device.
	Program = "program"
	// WiFi is the network a managed device is joined to.
	WiFi = "wifi"
	// Shipment is a laptop sent to a person: serial and ship-to address.
	Shipment = "shipment"
	// Enrollment is a device enrolled in MDM (serial, user).
	Enrollment = "enrollment"
)

// Types lists the event types in documentation order.
var Types = []string{SignIn, Seen, USB, Display, Program, WiFi, Shipment, Enrollment}

// Event is one observation. Only Time, Source and Type are always set; a
// field a source does not carry stays zero.
type Event struct {
	Time time.Time
	// Source names the format it came from: okta, osquery, jamf, intune,
	// generic.
	Source string
	Type   string
	// User is the person as the source names them: a login or e-mail
	// address (Okta actor.alternateId, the MDM's user e-mail). Analysis
	// ties it to a subject by e-mail or id.
	User string
	// Device is the managed device's serial number when the source has one,
	// else its host name or identifier; osquery's hostIdentifier.
	Device string
	// IP is the public address the event came from.
	IP       netip.Addr
	Location Location
	// Exactly one of the following is set, by Type.
	SignInInfo *SignInInfo
	USBDevice  *USBDevice
	DisplayDev *DisplayDevice
	ProgramApp *ProgramInfo
	Network    *WiFiNetwork
	ShipTo     *ShipmentInfo
	// File and Line locate the event in its input, for evidence.
	File string
	Line int
}

// Location is where a source says a device or sign-in was. Lat/Lon are set
// only when HasCoords.
type Location struct {
	City, Region, Country string // Country is ISO 3166 alpha-2 when known
	Lat, Lon              float64
	HasCoords             bool
}

// SignInInfo is what an identity provider adds to a sign-in.
type SignInInfo struct {
	Outcome string // SUCCESS, FAILURE, …
	// IsProxy is Okta's securityContext.isProxy: the address is a known
	// anonymising proxy or VPN.
	IsProxy bool
	ASN     int
	ASOrg   string
	ISP     string
	// DeviceToken is the identity provider's device id or token hash
	// (Okta's client.device / debugContext.debugData.dtHash).
	DeviceToken string
	UserAgent   string
}

// USBDevice is a USB device as osquery's usb_devices table reports it.
type USBDevice struct {
	VendorID, ProductID uint16
	Vendor, Product     string // manufacturer and product strings
	Serial              string
	// Class, Subclass, Protocol are the interface class codes osquery
	// reports (3 = HID, 8 = mass storage); Interfaces holds every
	// interface's class/subclass/protocol when the source lists them.
	Class, Subclass, Protocol string
	Interfaces                []string
	Removable                 bool
}

// DisplayDevice is a display as osquery's connected_displays (macOS)
// reports it, or an EDID from another source.
type DisplayDevice struct {
	Name         string // monitor name, e.g. "PiKVM V3"
	Manufacturer string // EDID three-letter manufacturer id, e.g. "LNX"
	ProductID    uint16
	Serial       string
}

// ProgramInfo is an installed or running program.
type ProgramInfo struct {
	Name, Version, Publisher string
	Path                     string
	// ID is the platform's identifier for the program when the source
	// gives one: a macOS bundle identifier such as com.philandro.anydesk
	// (osquery's apps.bundle_identifier).
	ID string
}

// WiFiNetwork is the wireless network a device is joined to.
type WiFiNetwork struct {
	SSID, BSSID string
}

// ShipmentInfo is a laptop sent to a person.
type ShipmentInfo struct {
	Serial string
	// Address is the ship-to address as written:
	// "line1, city, region postal, country".
	Address string
}

// Problem is a line that could not be read: the import reports it and goes
// on.
type Problem struct {
	File  string
	Line  int
	Field string
	Err   string
}

func (p Problem) Error() string {
	if p.Field == "" {
		return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Err
	}
	return p.File + ":" + strconv.Itoa(p.Line) + ": " + p.Field + ": " + p.Err
}

package farm

import (
	"slices"
	"testing"

	"github.com/ringfence/ringfence/internal/risk"
	"github.com/ringfence/ringfence/internal/telemetry"
)

func TestClassifyUSB(t *testing.T) {
	tests := []struct {
		name      string
		usb       telemetry.USBDevice
		wantLevel uint8
		wantLabel string
	}{
		{"PiKVM defaults", piKVM, kvmDefault, "PiKVM"},
		{"PiKVM strings on another id", telemetry.USBDevice{VendorID: 0x1234, ProductID: 1, Vendor: "pikvm"}, kvmDefault, "PiKVM"},
		{"TinyPilot defaults", telemetry.USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "tinypilot", Product: "Multifunction USB Device",
			Serial: "6b65796d696d6570690"}, kvmDefault, "TinyPilot"},
		{"TinyPilot serial alone", telemetry.USBDevice{VendorID: 0x0001, ProductID: 0x0002, Serial: "6B65796D696D6570690"}, kvmDefault, "TinyPilot"},
		{"TinyPilot product on the gadget id", telemetry.USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Product: "Multifunction USB Device"}, kvmDefault, "TinyPilot"},
		{"JetKVM defaults", telemetry.USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "JetKVM", Product: "JetKVM USB Emulation Device"}, kvmDefault, "JetKVM"},
		{"PiKVM serial on the gadget id", telemetry.USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Serial: "cafebabe"}, kvmDefault, "PiKVM"},
		{"PiKVM serial on another id is structural", telemetry.USBDevice{VendorID: 0x0aaa, ProductID: 0x0bbb, Serial: "CAFEBABE"}, kvmStructural, "PiKVM default serial on another id"},
		{"bare 1d6b:0104 is the generic Linux gadget", telemetry.USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "Linux Foundation",
			Product: "Multifunction Composite Gadget"}, kvmGadget, "Linux USB gadget"},
		{"a Logitech receiver is nothing", telemetry.USBDevice{VendorID: 0x046d, ProductID: 0xc52b, Vendor: "Logitech", Product: "USB Receiver"}, kvmNone, ""},
		{"a desk KVM switch is nothing", telemetry.USBDevice{VendorID: 0x0557, ProductID: 0x2419, Vendor: "ATEN", Product: "KVM Switch"}, kvmNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level, label := classifyUSB(&tt.usb)
			if level != tt.wantLevel || label != tt.wantLabel {
				t.Errorf("got %d %q, want %d %q", level, label, tt.wantLevel, tt.wantLabel)
			}
		})
	}
}

func TestClassifyDisplay(t *testing.T) {
	tests := []struct {
		name      string
		d         telemetry.DisplayDevice
		wantLevel uint8
		wantLabel string
	}{
		{"PiKVM EDID", telemetry.DisplayDevice{Manufacturer: "LNX", ProductID: 0x7772}, kvmDefault, "PiKVM"},
		{"PiKVM monitor name", telemetry.DisplayDevice{Name: "PiKVM V4 Mini", Manufacturer: "XYZ"}, kvmDefault, "PiKVM"},
		{"JetKVM EDID", telemetry.DisplayDevice{Manufacturer: "TSB", ProductID: 0x8801}, kvmDefault, "JetKVM"},
		{"JetKVM monitor name", telemetry.DisplayDevice{Name: "T749-fHD720"}, kvmDefault, "JetKVM"},
		{"another Linux EDID is a hint", telemetry.DisplayDevice{Manufacturer: "LNX", ProductID: 0x1234}, kvmGadget, "Linux default EDID"},
		{"a Toshiba TV is nothing", telemetry.DisplayDevice{Manufacturer: "TSB", ProductID: 0x0101, Name: "TOSHIBA-TV"}, kvmNone, ""},
		{"a Dell monitor is nothing", telemetry.DisplayDevice{Manufacturer: "DEL", ProductID: 0xa0f1, Name: "DELL U2720Q"}, kvmNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level, label := classifyDisplay(&tt.d)
			if level != tt.wantLevel || label != tt.wantLabel {
				t.Errorf("got %d %q, want %d %q", level, label, tt.wantLevel, tt.wantLabel)
			}
		})
	}
}

func TestIfaceRole(t *testing.T) {
	tests := []struct {
		in   string
		want uint8
	}{
		{"03/01/01", ifKeyboard}, {"3:1:1", ifKeyboard}, {"030101", ifKeyboard}, {"0x03/0x01/0x01", ifKeyboard},
		{"03/00/00", ifPointer}, {"03/01/02", ifPointer}, {"08/06/50", ifStorage}, {"8/6/80", ifStorage},
		{"02/02/01", 0}, {"", 0}, {"garbage", 0}, {"03/01", 0}, {"ff/ff/ff/ff", 0},
	}
	for _, tt := range tests {
		if got := ifaceRole(tt.in); got != tt.want {
			t.Errorf("ifaceRole(%q) = %b, want %b", tt.in, got, tt.want)
		}
	}
}

// TestIPKVMFindings runs whole event lists through the detector.
func TestIPKVMFindings(t *testing.T) {
	people := []Person{person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1")}
	tests := []struct {
		name      string
		events    func(x *fixture)
		wantLevel string // "" for no finding
	}{
		{"PiKVM's default identity is high", func(x *fixture) { x.usb(at(0, 10), "L1", piKVM) }, risk.High},
		{"a PiKVM EDID is high", func(x *fixture) {
			x.display(at(0, 10), "L1", telemetry.DisplayDevice{Name: "PiKVM", Manufacturer: "LNX", ProductID: 0x7770})
		}, risk.High},
		{"keyboard, pointer and disk in one row's interfaces is medium", func(x *fixture) {
			x.usb(at(0, 10), "L1", telemetry.USBDevice{VendorID: 0x1209, ProductID: 0x0001, Product: "Composite",
				Interfaces: []string{"03/01/01", "03/00/00", "08/06/50"}})
		}, risk.Medium},
		{"keyboard, pointer and disk over repeated rows is medium", func(x *fixture) {
			u := telemetry.USBDevice{VendorID: 0x1209, ProductID: 0x0001, Product: "Composite", Serial: "X1"}
			for _, c := range [][3]string{{"03", "01", "01"}, {"03", "00", "00"}, {"08", "06", "50"}} {
				u.Class, u.Subclass, u.Protocol = c[0], c[1], c[2]
				x.usb(at(0, 10), "L1", u)
			}
		}, risk.Medium},
		{"a keyboard and a separate USB stick are nothing", func(x *fixture) {
			x.usb(at(0, 10), "L1", telemetry.USBDevice{VendorID: 0x046d, ProductID: 0xc52b, Class: "03", Subclass: "01", Protocol: "01"})
			x.usb(at(0, 10), "L1", telemetry.USBDevice{VendorID: 0x046d, ProductID: 0xc52b, Class: "03", Subclass: "01", Protocol: "02"})
			x.usb(at(0, 10), "L1", telemetry.USBDevice{VendorID: 0x0781, ProductID: 0x5583, Class: "08", Subclass: "06", Protocol: "50"})
		}, ""},
		{"rows without ids are not combined", func(x *fixture) {
			x.usb(at(0, 10), "L1", telemetry.USBDevice{Class: "03", Subclass: "01", Protocol: "01"})
			x.usb(at(0, 10), "L1", telemetry.USBDevice{Class: "03", Subclass: "00", Protocol: "00"})
			x.usb(at(0, 10), "L1", telemetry.USBDevice{Class: "08", Subclass: "06", Protocol: "50"})
		}, ""},
		{"bare 1d6b:0104 is low", func(x *fixture) {
			x.usb(at(0, 10), "L1", telemetry.USBDevice{VendorID: 0x1d6b, ProductID: 0x0104, Vendor: "Linux Foundation"})
		}, risk.Low},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			tt.events(&x)
			fs := ofKind(analyse(t, Config{}, people, x.events), KindIPKVM)
			if tt.wantLevel == "" {
				if len(fs) != 0 {
					t.Errorf("got %s, want no finding", summary(fs))
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1:\n%s", len(fs), summary(fs))
			}
			if f := fs[0]; f.Level != tt.wantLevel || !slices.Equal(f.Subjects, []string{"P1"}) || !slices.Equal(f.Devices, []string{"L1"}) {
				t.Errorf("got %s %v %v, want %s for P1's L1", f.Level, f.Subjects, f.Devices, tt.wantLevel)
			}
			if fs[0].Explanation == "" || len(fs[0].Evidence) == 0 {
				t.Errorf("finding without explanation or evidence: %+v", fs[0])
			}
		})
	}
}

func TestRemoteAccess(t *testing.T) {
	people := []Person{person("P1", "Alice Park", "alice@x.example", "12 Oak Street", "Austin", "TX", "L1")}
	tests := []struct {
		name       string
		sanctioned []string
		programs   []string
		wantLevel  string
		wantTools  int
	}{
		{"AnyDesk is medium", nil, []string{"AnyDesk"}, risk.Medium, 1},
		{"program name variants match", nil, []string{"anydesk.exe", "Chrome Remote Desktop Host", "remoting_host"}, risk.Medium, 2},
		{"several tools on one host are stronger", nil, []string{"AnyDesk", "RustDesk", "TeamViewer"}, risk.Medium, 3},
		{"a sanctioned tool is nothing", []string{"TeamViewer"}, []string{"TeamViewer", "TeamViewer_Service"}, "", 0},
		{"sanctioned by a part of the tool's name", []string{"LogMeIn"}, []string{"LogMeIn Client"}, "", 0},
		{"ordinary software is nothing", nil, []string{"Zoom", "Slack", "Google Chrome", "Parsel", "Remote Desktop Connection"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x fixture
			for _, p := range tt.programs {
				x.program(at(0, 10), "L1", p)
			}
			fs := ofKind(analyse(t, Config{SanctionedTools: tt.sanctioned}, people, x.events), KindRemoteAccess)
			if tt.wantLevel == "" {
				if len(fs) != 0 {
					t.Errorf("got %s, want no finding", summary(fs))
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			if fs[0].Level != tt.wantLevel || fs[0].Points != 45+10*min(tt.wantTools-1, 2) {
				t.Errorf("got %s %d points, want %s with %d tools", fs[0].Level, fs[0].Points, tt.wantLevel, tt.wantTools)
			}
		})
	}
}

func TestToolIndex(t *testing.T) {
	for in, want := range map[string]string{
		"TeamViewer": "TeamViewer", "teamviewer": "TeamViewer", "GoTo": "GoTo/LogMeIn", "LogMeIn": "GoTo/LogMeIn",
		"Chrome Remote Desktop": "Chrome Remote Desktop", "AnyDesk.app": "AnyDesk",
	} {
		i := toolIndex(in)
		if i < 0 || remoteTools[i].name != want {
			t.Errorf("toolIndex(%q) = %d, want %s", in, i, want)
		}
	}
	if i := toolIndex("Notepad"); i != -1 {
		t.Errorf("toolIndex(Notepad) = %d, want -1", i)
	}
}

package synth

// Name and place lists. They are small on purpose: a real population has
// many people with one name, and screening must cope with namesakes.
var (
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
		"David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
		"Christopher", "Karen", "Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra",
		"Mark", "Margaret", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna",
		"Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah",
		"Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia",
		"Ryan", "Dorothy", "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela", "Eric", "Shirley",
		"Jonathan", "Emma", "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Nicole", "Scott", "Anna",
		"Brandon", "Samantha", "Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander",
		"Rachel", "Patrick", "Carolyn", "Frank", "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather",
		"Carlos", "Sofia", "Luis", "Camila", "Priya", "Arjun", "Wei", "Mei", "Ahmed", "Fatima", "Olga", "Ivan"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
		"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
		"Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
		"Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
		"Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
		"Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz",
		"Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez",
		"Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox",
		"Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza",
		"Ruiz", "Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster",
		"Chen", "Wang", "Singh", "Kumar", "Ivanova", "Novak", "Kowalski", "Schmidt", "Muller", "Rossi"}
	// Korean-American applicants: common surnames and given names, in the
	// spellings people in the US actually use. They must not be flagged for
	// their names.
	koreanSurnames = []string{"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim",
		"Han", "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong"}
	koreanGiven = []string{"Min-jun", "Seo-yeon", "Ji-hoon", "Ji-woo", "Hyun-woo", "Su-bin", "Jae-won",
		"Eun-ji", "Sung-min", "Young-ho", "Jin-woo", "Hye-jin", "Dong-hyun", "Soo-jin", "Jung-ho", "Mi-kyung",
		"Sang-woo", "Yu-na", "Kyung-soo", "Ha-eun", "Jong-min", "Chul-soo", "Young-mi", "Seung-hoon"}
	streets = []string{"Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill",
		"Park", "Walnut", "Sunset", "Ridge", "Highland", "Jefferson", "Lincoln", "Madison", "Franklin",
		"Church", "Spring", "Willow", "River", "Meadow", "Forest", "Chestnut", "Broad", "Center", "Union"}
	suffixes = []string{"Street", "St", "Avenue", "Ave", "Road", "Rd", "Drive", "Dr", "Lane", "Ln", "Court",
		"Boulevard", "Blvd", "Way", "Place"}
	// cities pairs a city with its state, a ZIP prefix and local area codes.
	cities = []struct {
		city, state, zip3 string
		areas             []string
	}{
		{"New York", "NY", "100", []string{"212", "646", "917"}},
		{"Brooklyn", "NY", "112", []string{"718", "347"}},
		{"Los Angeles", "CA", "900", []string{"213", "310", "323"}},
		{"San Francisco", "CA", "941", []string{"415", "628"}},
		{"San Jose", "CA", "951", []string{"408", "669"}},
		{"Seattle", "WA", "981", []string{"206"}},
		{"Austin", "TX", "787", []string{"512", "737"}},
		{"Dallas", "TX", "752", []string{"214", "469", "972"}},
		{"Houston", "TX", "770", []string{"713", "281", "832"}},
		{"Chicago", "IL", "606", []string{"312", "773"}},
		{"Boston", "MA", "021", []string{"617", "857"}},
		{"Atlanta", "GA", "303", []string{"404", "678"}},
		{"Miami", "FL", "331", []string{"305", "786"}},
		{"Denver", "CO", "802", []string{"303", "720"}},
		{"Phoenix", "AZ", "850", []string{"602", "480"}},
		{"Portland", "OR", "972", []string{"503", "971"}},
		{"Nashville", "TN", "372", []string{"615", "629"}},
		{"Minneapolis", "MN", "554", []string{"612"}},
		{"Raleigh", "NC", "276", []string{"919", "984"}},
		{"Columbus", "OH", "432", []string{"614", "380"}},
	}
	mailDomains   = []string{"gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me"}
	skills        = []string{"Go", "Python", "TypeScript", "React", "Node.js", "Kubernetes", "AWS", "PostgreSQL", "Java", "Spring Boot", "Rust", "Solidity", "Flutter", "Swift", "Kotlin", "Django", "GraphQL", "Terraform", "Docker", "Vue.js", "Angular", "C#", ".NET", "Ruby on Rails", "Machine Learning", "Unity", "Blockchain", "Web3", "Next.js", "Redis"}
	companies     = []string{"Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Retail", "Hooli", "Vandelay Imports", "Soylent Foods", "Pied Piper", "Massive Dynamic", "Cyberdyne Systems", "Tyrell Analytics", "Oscorp Labs", "Wonka Industries", "Gringotts Finance", "Aperture Science", "Black Mesa", "Monarch Solutions", "Dunder Mifflin"}
	schools       = []string{"State University", "Tech Institute", "City College", "Polytechnic University", "National University", "Community College"}
	resumeClauses = []string{
		"Led the migration of a monolith to services, cutting deploy time by half.",
		"Built internal tooling used by every engineering team.",
		"Mentored junior developers and ran the code review rota.",
		"Designed a billing pipeline processing millions of events a day.",
		"Owned on-call for the payments platform for two years.",
		"Improved page load times through caching and lazy loading.",
		"Wrote the company's first end-to-end test suite.",
		"Shipped a mobile app with a 4.7 store rating.",
		"Reduced cloud spend by right-sizing clusters.",
		"Introduced feature flags and trunk-based development.",
		"Worked closely with product managers on discovery.",
		"Maintained legacy systems while planning their replacement.",
		"Implemented SSO and role-based access control.",
		"Ran data analysis that shaped the pricing strategy.",
		"Integrated third-party APIs for shipping and tax.",
		"Automated infrastructure with infrastructure as code.",
		"Contributed to open-source libraries in the ecosystem.",
		"Presented at local meetups on testing practice.",
		"Built dashboards for operations and support teams.",
		"Delivered projects for clients in retail and healthcare.",
	}
)

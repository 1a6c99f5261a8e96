"""Deterministic TICKIT sample dataset, generated in pure DuckDB SQL.

Amazon Redshift's documentation uses the TICKIT schema (users, venue, category, date, event,
listing, sales) for its examples. ``load_tickit`` builds a look-alike of that dataset inside an
attached DuckDB catalog without any file, download or extension: every value is a function of
the row number via ``range()`` and ``hash()``, so the same call yields byte-identical tables on
every run. Column types follow Redshift's TICKIT DDL (DuckDB stores CHAR(n) as VARCHAR).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import duckdb

__all__ = ["BASE_ROWS", "TABLES", "load_tickit"]

# Row counts of Redshift's TICKIT at scale 1; venue, category and date do not scale.
BASE_ROWS: dict[str, int] = {
    "users": 49_990,
    "venue": 202,
    "category": 11,
    "date": 365,
    "event": 8_798,
    "listing": 192_497,
    "sales": 172_456,
}
SCALED_TABLES = ("users", "event", "listing", "sales")

# Redshift's TICKIT date table covers calendar 2008 with ids starting at 1827.
FIRST_DATEID = 1827
FIRST_DAY = "2008-01-01"
# Events start no earlier than this many days into the year so that every listing can be
# dated strictly before its event without leaving the date table.
EVENT_DAY_MIN = 7
HOLIDAYS_2008 = (
    "2008-01-01", "2008-01-21", "2008-02-18", "2008-05-26", "2008-07-04",
    "2008-09-01", "2008-10-13", "2008-11-11", "2008-11-27", "2008-12-25",
)

TABLES: dict[str, str] = {
    "users": """
        userid INTEGER NOT NULL, username CHAR(8), firstname VARCHAR(30),
        lastname VARCHAR(30), city VARCHAR(30), state CHAR(2), email VARCHAR(100),
        phone CHAR(14), likesports BOOLEAN, liketheatre BOOLEAN, likeconcerts BOOLEAN,
        likejazz BOOLEAN, likeclassical BOOLEAN, likeopera BOOLEAN, likerock BOOLEAN,
        likevegas BOOLEAN, likebroadway BOOLEAN, likemusicals BOOLEAN""",
    "venue": """
        venueid SMALLINT NOT NULL, venuename VARCHAR(100), venuecity VARCHAR(30),
        venuestate CHAR(2), venueseats INTEGER""",
    "category": """
        catid SMALLINT NOT NULL, catgroup VARCHAR(10), catname VARCHAR(10),
        catdesc VARCHAR(50)""",
    "date": """
        dateid SMALLINT NOT NULL, caldate DATE NOT NULL, day CHAR(3) NOT NULL,
        week SMALLINT NOT NULL, month CHAR(5) NOT NULL, qtr CHAR(5) NOT NULL,
        year SMALLINT NOT NULL, holiday BOOLEAN DEFAULT false""",
    "event": """
        eventid INTEGER NOT NULL, venueid SMALLINT NOT NULL, catid SMALLINT NOT NULL,
        dateid SMALLINT NOT NULL, eventname VARCHAR(200), starttime TIMESTAMP""",
    "listing": """
        listid INTEGER NOT NULL, sellerid INTEGER NOT NULL, eventid INTEGER NOT NULL,
        dateid SMALLINT NOT NULL, numtickets SMALLINT NOT NULL,
        priceperticket DECIMAL(8,2), totalprice DECIMAL(8,2), listtime TIMESTAMP""",
    "sales": """
        salesid INTEGER NOT NULL, listid INTEGER NOT NULL, sellerid INTEGER NOT NULL,
        buyerid INTEGER NOT NULL, eventid INTEGER NOT NULL, dateid SMALLINT NOT NULL,
        qtysold SMALLINT NOT NULL, pricepaid DECIMAL(8,2), commission DECIMAL(8,2),
        saletime TIMESTAMP""",
}

CATEGORIES = (
    (1, "Sports", "MLB", "Major League Baseball"),
    (2, "Sports", "NHL", "National Hockey League"),
    (3, "Sports", "NFL", "National Football League"),
    (4, "Sports", "NBA", "National Basketball Association"),
    (5, "Sports", "MLS", "Major League Soccer"),
    (6, "Shows", "Musicals", "Musical theatre"),
    (7, "Shows", "Plays", "All non-musical theatre"),
    (8, "Shows", "Opera", "All opera and light opera"),
    (9, "Concerts", "Pop", "All rock and pop music concerts"),
    (10, "Concerts", "Jazz", "All jazz singers and bands"),
    (11, "Concerts", "Classical", "All symphony, concerto, and choir concerts"),
)

FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark",
    "Margaret", "Donald", "Sandra", "Steven", "Ashley", "Paul", "Kimberly", "Andrew", "Emily",
    "Joshua", "Donna", "Kenneth", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George",
    "Melissa", "Edward", "Deborah", "Ronald", "Stephanie", "Timothy", "Rebecca", "Jason", "Laura",
    "Jeffrey", "Sharon", "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary", "Amy", "Nicholas",
    "Shirley", "Eric", "Angela", "Jonathan", "Helen", "Stephen", "Anna", "Larry", "Brenda",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
    "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
)
# (city, state) pairs keep every generated address consistent.
CITIES = (
    ("New York", "NY"), ("Los Angeles", "CA"), ("Chicago", "IL"), ("Houston", "TX"),
    ("Phoenix", "AZ"), ("Philadelphia", "PA"), ("San Antonio", "TX"), ("San Diego", "CA"),
    ("Dallas", "TX"), ("San Jose", "CA"), ("Austin", "TX"), ("Jacksonville", "FL"),
    ("Columbus", "OH"), ("Charlotte", "NC"), ("San Francisco", "CA"), ("Indianapolis", "IN"),
    ("Seattle", "WA"), ("Denver", "CO"), ("Washington", "DC"), ("Boston", "MA"),
    ("Nashville", "TN"), ("Detroit", "MI"), ("Portland", "OR"), ("Las Vegas", "NV"),
    ("Memphis", "TN"), ("Louisville", "KY"), ("Baltimore", "MD"), ("Milwaukee", "WI"),
    ("Albuquerque", "NM"), ("Tucson", "AZ"), ("Fresno", "CA"), ("Sacramento", "CA"),
    ("Kansas City", "MO"), ("Atlanta", "GA"), ("Omaha", "NE"), ("Raleigh", "NC"),
    ("Miami", "FL"), ("Minneapolis", "MN"), ("Tulsa", "OK"), ("Cleveland", "OH"),
    ("New Orleans", "LA"), ("Tampa", "FL"), ("Pittsburgh", "PA"), ("Cincinnati", "OH"),
    ("St. Louis", "MO"), ("Orlando", "FL"), ("Buffalo", "NY"), ("Salt Lake City", "UT"),
    ("Richmond", "VA"), ("Hartford", "CT"), ("Providence", "RI"), ("Boise", "ID"),
    ("Anchorage", "AK"), ("Honolulu", "HI"), ("Des Moines", "IA"), ("Little Rock", "AR"),
)
EMAIL_DOMAINS = (
    "example.com", "example.net", "example.org", "mail.example.com", "inbox.example.net",
    "post.example.org",
)
VENUE_PREFIXES = (
    "Pacific", "Liberty", "Summit", "Harbor", "Union", "Eagle", "Crown", "Heritage", "Riverside",
    "Grand", "Lakeside", "Capitol", "Pioneer", "Majestic", "Orpheum", "Civic", "Memorial",
    "Gateway", "Regency", "Paramount", "Palace", "Imperial", "Lyric", "Central",
)
# (suffix, minimum seats, seat range): stadiums are big, theatres and halls small.
VENUE_KINDS = (
    ("Stadium", 30_000, 50_000), ("Field", 25_000, 25_000), ("Arena", 12_000, 10_000),
    ("Center", 8_000, 12_000), ("Theatre", 800, 2_200), ("Hall", 1_000, 2_000),
    ("Amphitheatre", 5_000, 15_000), ("Opera House", 1_500, 2_500),
)
TEAM_NAMES = (
    "Harbor Hawks", "Summit Bears", "River Kings", "Coastal Comets", "Prairie Wolves",
    "Metro Stars", "Canyon Cougars", "Bay Sharks", "Mountain Rams", "Capital Eagles",
    "Desert Suns", "Lake Storm", "Valley Knights", "Iron Bison", "Northern Lights",
    "Gulf Pelicans",
)
MUSICALS = (
    "Mamma Mia!", "The Lion King", "Wicked", "Les Miserables", "The Phantom of the Opera",
    "Chicago", "Jersey Boys", "Spring Awakening", "Legally Blonde", "Hairspray", "Grease",
    "Rent", "Cats", "A Chorus Line", "Spamalot", "Mary Poppins", "Young Frankenstein",
    "Xanadu", "The Color Purple", "In the Heights",
)
PLAYS = (
    "Hamlet", "Macbeth", "Othello", "King Lear", "Twelfth Night", "Our Town",
    "Death of a Salesman", "The Seagull", "August: Osage County", "Equus", "Boeing-Boeing",
    "The 39 Steps", "Doubt", "Proof", "Rabbit Hole", "Frost/Nixon", "The Glass Menagerie",
    "Pygmalion", "Uncle Vanya", "The Importance of Being Earnest",
)
OPERAS = (
    "La Boheme", "Carmen", "Tosca", "Aida", "La Traviata", "Rigoletto", "Turandot",
    "Madama Butterfly", "Don Giovanni", "The Magic Flute", "Il Trovatore", "Fidelio",
    "Gotterdammerung", "Die Walkure", "Salome", "Otello", "Faust", "Norma",
)
POP_ACTS = (
    "The Velvet Arrows", "Neon Harbor", "Midnight Parade", "Silver Lanterns", "Paper Comets",
    "The Wild Orchards", "Echo Valley", "Glass Animals Tribute", "Red Rover", "Static Bloom",
    "The Lonely Hearts", "Sunset Boulevard Band", "Copper Kites", "Blue Meridian",
    "The Hollow Pines", "Golden Hour", "Northbound", "Kid Atlas",
)
JAZZ_ACTS = (
    "Miles Ahead Quartet", "The Blue Note Trio", "Ella Rivers", "Harlem Nights Big Band",
    "Cool Breeze Sextet", "Sonny Vale", "The Swing Street Orchestra", "Nina Bell",
    "Bebop Brothers", "Moonlight Serenade Band", "Dizzy Heights", "Coltrane Tribute Ensemble",
)
CLASSICAL_WORKS = (
    "Beethoven Symphony No. 9", "Mozart Requiem", "Handel Messiah", "Bach Mass in B minor",
    "Brahms Symphony No. 1", "Tchaikovsky Violin Concerto", "Mahler Symphony No. 2",
    "Vivaldi The Four Seasons", "Dvorak New World Symphony", "Rachmaninoff Piano Concerto No. 2",
    "Verdi Requiem", "Schubert Unfinished Symphony", "Holst The Planets",
    "Mendelssohn Violin Concerto",
)
START_TIMES = ("12:30:00", "14:00:00", "15:00:00", "18:30:00", "19:00:00", "19:30:00",
               "20:00:00", "20:30:00")
USERNAME_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LIKE_COLUMNS = ("likesports", "liketheatre", "likeconcerts", "likejazz", "likeclassical",
                "likeopera", "likerock", "likevegas", "likebroadway", "likemusicals")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _h(key: str, salt: str, modulus: int) -> str:
    """SQL for a pseudo-random integer in [0, modulus) derived from ``key``.

    ``hash`` is unseeded in DuckDB, so the value depends only on key and salt; the salt keeps
    the columns of one row independent of each other.
    """
    return f"(hash({key}, {_lit(salt)}) % {modulus})::BIGINT"


def _pick(values: Sequence[str], key: str, salt: str) -> str:
    return f"{_list(values)}[1 + {_h(key, salt, len(values))}]"


def _coprime_step(n: int) -> int:
    """A multiplier coprime to ``n``, so ``i * step % n`` permutes 0..n-1 (sales -> listings)."""
    step = 7_919
    while math.gcd(step, n) != 1:
        step += 2
    return step


def _row_counts(scale: float) -> dict[str, int]:
    return {
        table: max(1, round(n * scale)) if table in SCALED_TABLES else n
        for table, n in BASE_ROWS.items()
    }


def _users_sql(n: int) -> str:
    username = " || ".join(
        f"substr({_lit(USERNAME_ALPHABET)}, "
        f"1 + ((hash(i, 'username') >> {5 * k}) % {len(USERNAME_ALPHABET)})::BIGINT, 1)"
        for k in range(8)
    )
    city_idx = f"1 + {_h('i', 'city', len(CITIES))}"
    # TICKIT's like* columns hold true, false and NULL (unanswered).
    likes = ",\n".join(
        f"CASE {_h('i', col, 3)} WHEN 0 THEN true WHEN 1 THEN false END AS {col}"
        for col in LIKE_COLUMNS
    )
    return f"""
        SELECT i AS userid,
               {username} AS username,
               {_pick(FIRST_NAMES, 'i', 'firstname')} AS firstname,
               {_pick(LAST_NAMES, 'i', 'lastname')} AS lastname,
               {_list([c for c, _ in CITIES])}[{city_idx}] AS city,
               {_list([s for _, s in CITIES])}[{city_idx}] AS state,
               lower({_pick(FIRST_NAMES, 'i', 'firstname')} || '.'
                     || {_pick(LAST_NAMES, 'i', 'lastname')}) || i::VARCHAR
                   || '@' || {_pick(EMAIL_DOMAINS, 'i', 'domain')} AS email,
               '(' || (201 + {_h('i', 'area', 799)})::VARCHAR || ') '
                   || (200 + {_h('i', 'exchange', 800)})::VARCHAR || '-'
                   || lpad({_h('i', 'line', 10_000)}::VARCHAR, 4, '0') AS phone,
               {likes}
        FROM range(1, {n + 1}) r(i)
        ORDER BY userid"""


def _venue_sql(n: int) -> str:
    kind = f"1 + {_h('i', 'kind', len(VENUE_KINDS))}"
    city_idx = f"1 + {_h('i', 'vcity', len(CITIES))}"
    mins = "[" + ", ".join(str(lo) for _, lo, _ in VENUE_KINDS) + "]"
    spans = "[" + ", ".join(str(span) for _, _, span in VENUE_KINDS) + "]"
    return f"""
        SELECT i AS venueid,
               {_pick(VENUE_PREFIXES, 'i', 'vprefix')} || ' '
                   || {_list([k for k, _, _ in VENUE_KINDS])}[{kind}] AS venuename,
               {_list([c for c, _ in CITIES])}[{city_idx}] AS venuecity,
               {_list([s for _, s in CITIES])}[{city_idx}] AS venuestate,
               {mins}[{kind}] + (hash(i, 'seats') % {spans}[{kind}])::INTEGER
                   // 10 * 10 AS venueseats
        FROM range(1, {n + 1}) r(i)
        ORDER BY venueid"""


def _category_sql() -> str:
    rows = ", ".join(
        f"({catid}, {_lit(group)}, {_lit(name)}, {_lit(desc)})"
        for catid, group, name, desc in CATEGORIES
    )
    return f"SELECT * FROM (VALUES {rows}) v(catid, catgroup, catname, catdesc) ORDER BY catid"


def _date_sql(n: int) -> str:
    return f"""
        SELECT {FIRST_DATEID} + i AS dateid,
               d AS caldate,
               upper(strftime(d, '%a'))[1:2] AS day,
               (dayofyear(d) - 1 + dayofweek(DATE {_lit(FIRST_DAY)})) // 7 + 1 AS week,
               upper(strftime(d, '%b')) AS month,
               quarter(d)::VARCHAR AS qtr,
               year(d) AS year,
               strftime(d, '%Y-%m-%d') IN ({", ".join(_lit(h) for h in HOLIDAYS_2008)}) AS holiday
        FROM (SELECT i, (DATE {_lit(FIRST_DAY)} + i::INTEGER) AS d FROM range({n}) r(i))
        ORDER BY dateid"""


def _event_sql(n: int, n_venues: int, n_days: int) -> str:
    teams = _list(TEAM_NAMES)
    # Home team offset by 1..n-1 from the away team so that no team plays itself.
    away = _h("i", "away", len(TEAM_NAMES))
    home = f"({away} + 1 + {_h('i', 'home', len(TEAM_NAMES) - 1)}) % {len(TEAM_NAMES)}"
    name = f"""CASE
            WHEN catid <= 5 THEN {teams}[1 + {away}] || ' at ' || {teams}[1 + {home}]
            WHEN catid = 6 THEN {_pick(MUSICALS, 'i', 'show')}
            WHEN catid = 7 THEN {_pick(PLAYS, 'i', 'show')}
            WHEN catid = 8 THEN {_pick(OPERAS, 'i', 'show')}
            WHEN catid = 9 THEN {_pick(POP_ACTS, 'i', 'show')}
            WHEN catid = 10 THEN {_pick(JAZZ_ACTS, 'i', 'show')}
            ELSE {_pick(CLASSICAL_WORKS, 'i', 'show')} END"""
    return f"""
        SELECT i AS eventid, venueid, catid, {FIRST_DATEID} + day AS dateid,
               {name} AS eventname,
               (DATE {_lit(FIRST_DAY)} + day::INTEGER)
                   + {_pick(START_TIMES, 'i', 'start')}::TIME AS starttime
        FROM (SELECT i,
                     1 + {_h('i', 'venue', n_venues)} AS venueid,
                     1 + {_h('i', 'cat', len(CATEGORIES))} AS catid,
                     {EVENT_DAY_MIN} + {_h('i', 'day', n_days - EVENT_DAY_MIN)} AS day
              FROM range(1, {n + 1}) r(i))
        ORDER BY eventid"""


def _listing_sql(n: int, n_users: int, n_events: int, event: str) -> str:
    # Prices: whole dollars from $20 with a long cubic tail towards $2,500, as in TICKIT.
    return f"""
        SELECT listid, sellerid, eventid,
               {FIRST_DATEID} + (listtime::DATE - DATE {_lit(FIRST_DAY)}) AS dateid,
               numtickets, price AS priceperticket, numtickets * price AS totalprice,
               listtime
        FROM (SELECT l.i AS listid,
                     1 + {_h('l.i', 'seller', n_users)} AS sellerid,
                     e.eventid,
                     1 + {_h('l.i', 'tickets', 30)} AS numtickets,
                     (20 + round(2480 * pow({_h('l.i', 'price', 1000)} / 1000.0, 3)))
                         ::DECIMAL(8,2) AS price,
                     greatest(e.starttime::DATE - (1 + {_h('l.i', 'lead', 60)})::INTEGER,
                              DATE {_lit(FIRST_DAY)})
                         + to_seconds({_h('l.i', 'listsec', 86_400)}) AS listtime
              FROM range(1, {n + 1}) l(i)
              JOIN {event} e ON e.eventid = 1 + {_h('l.i', 'event', n_events)})
        ORDER BY listid"""


def _sales_sql(n: int, n_users: int, n_listings: int, listing: str, event: str) -> str:
    # Sale i sells listing (i * step mod n_listings): distinct listings, so qtysold can never
    # exceed the tickets a listing offers; the sale happens between listing and event start.
    step = _coprime_step(n_listings)
    return f"""
        SELECT salesid, listid, sellerid, buyerid, eventid,
               {FIRST_DATEID} + (saletime::DATE - DATE {_lit(FIRST_DAY)}) AS dateid,
               qtysold, pricepaid, round(pricepaid * 0.15, 2) AS commission, saletime
        FROM (SELECT s.i AS salesid, l.listid, l.sellerid,
                     1 + {_h('s.i', 'buyer', n_users)} AS buyerid,
                     l.eventid,
                     1 + (hash(s.i, 'qty') % l.numtickets)::INTEGER AS qtysold,
                     (1 + (hash(s.i, 'qty') % l.numtickets)::INTEGER) * l.priceperticket
                         AS pricepaid,
                     l.listtime + to_seconds(
                         (hash(s.i, 'salesec')
                          % date_diff('second', l.listtime, e.starttime))::BIGINT) AS saletime
              FROM range(1, {n + 1}) s(i)
              JOIN {listing} l ON l.listid = 1 + ((s.i - 1) * {step}) % {n_listings}
              JOIN {event} e ON e.eventid = l.eventid)
        ORDER BY salesid"""


def load_tickit(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str = "public", scale: float = 1.0
) -> dict[str, int]:
    """Create and fill the TICKIT tables in ``"catalog"."schema"``; return rows per table.

    ``scale`` multiplies the sizes of users, event, listing and sales (venue, category and the
    365 days of 2008 are fixed). The tables must not exist yet. Everything runs in one
    transaction, so a failure leaves the catalog unchanged; ``con`` must not be inside one.
    """
    if not scale > 0 or math.isinf(scale):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    rows = _row_counts(scale)
    n_listings = rows["listing"]
    if rows["sales"] > n_listings:
        raise ValueError("sales cannot outnumber listings: each sale sells one listing")
    prefix = f"{_ident(catalog)}.{_ident(schema)}"
    qualified = {table: f"{prefix}.{_ident(table)}" for table in TABLES}
    selects = {
        "category": _category_sql(),
        "venue": _venue_sql(rows["venue"]),
        "date": _date_sql(rows["date"]),
        "users": _users_sql(rows["users"]),
        "event": _event_sql(rows["event"], rows["venue"], rows["date"]),
        "listing": _listing_sql(n_listings, rows["users"], rows["event"], qualified["event"]),
        "sales": _sales_sql(
            rows["sales"], rows["users"], n_listings, qualified["listing"], qualified["event"]
        ),
    }
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {prefix}")
        for table, select in selects.items():
            con.execute(f"CREATE TABLE {qualified[table]} ({TABLES[table]})")
            con.execute(f"INSERT INTO {qualified[table]} {select}")
        counts = {
            table: con.execute(f"SELECT count(*) FROM {qualified[table]}").fetchone()[0]
            for table in BASE_ROWS
        }
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts

"""English date formats for the admin and any unfiltered date: 24-hour times with the zone
named (UTC), as the site writes them, instead of Django's "12:12 a.m."."""

DATETIME_FORMAT = "N j, Y, H:i T"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"

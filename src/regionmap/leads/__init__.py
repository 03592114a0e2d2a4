"""Enquiries (leads) that visitors send about their shortlisted sites, routed to the organisations holding the
sites, kept only as long as the visitor agreed; and the sites' interest figures, counted without identifiers."""

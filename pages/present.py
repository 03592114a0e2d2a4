"""Page: the presenter mode for trade fairs (/present?tour=<id>&lang=<de|en|fr>&autoplay=<seconds>)."""

from regionmap.ui.present_page import presenter_page

presenter_page()

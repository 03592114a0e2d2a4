"""Page: the presenter mode for trade fairs (/present?tour=<id>&lang=<de|en|fr>&autoplay=<seconds>)."""

from regionmap.ui.presenter import presenter_page

presenter_page()

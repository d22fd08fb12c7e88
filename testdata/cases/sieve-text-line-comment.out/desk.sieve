# The desk, written by the old rules editor.
redirect text: # was info@old.example
Desk info@old.example x
.
;

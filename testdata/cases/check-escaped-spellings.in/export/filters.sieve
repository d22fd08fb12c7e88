require ["regex", "fileinto", "enotify"];
# A pattern and a URI spell the old addresses with escapes: nothing rewrites them.
if address :regex "to" "^info@old\\.example$" { fileinto "Info"; }
if header :regex "from" "help@old[.]example" { fileinto "Help"; }
notify "mailto:info%40old.example";

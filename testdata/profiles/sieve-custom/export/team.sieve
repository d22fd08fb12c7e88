require ["variables", "vacation", "copy"];

# The team address, set once.
set "team" "support@acme-old.example";
redirect :copy "${team}";

vacation :days 2 :addresses ["support@acme-old.example"] text: # the reply to info@acme-old.example, dot-stuffed
Hello,

We are away. Write to info@acme-old.example (or INFO@ACME-OLD.EXAMPLE),
..not to team.info@acme-old.example or info@acme-old.example.net.
.
;

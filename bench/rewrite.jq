# The baseline for `cutover diff` on JSON: the same rewrite with jq.
#
#   jq --indent 2 --slurpfile m mapping.json -f bench/rewrite.jq export.json > new.json
#   diff -u export.json new.json
#
# $m[0] is cutover's mapping file read as JSON: {"accounts": {old: new}, "addresses": {old: new}}.
# Account references (replaced when the mapping has them):
#   rules[*].conditions..items[field is email_account or account].value (string or list)
#   rules[*].actions[*].from.account, aliases[*].account, sharing[*].account
# Address references (compared case-insensitively): rules[*].actions[*].from.address,
#   aliases[*].address.
# As cutover does, an old ID in a list that already holds its new ID is dropped instead.
# jq re-prints the whole document, so the output equals the input byte for byte (apart from
# the rewritten values) only when the input is printed as jq prints it: indent 2 (or -c).

($m[0].accounts // {}) as $accounts
| (($m[0].addresses // {}) | with_entries(.key |= ascii_downcase)) as $addresses

| def account: if type == "string" then ($accounts[.] // .) else . end;

  def address: if type == "string" then ($addresses[ascii_downcase] // .) else . end;

  # A condition value: one ID, or a list of them.
  def account_value:
    if type == "array" then
      . as $list
      | [ .[] | select(type == "string") ] as $strings
      | reduce range(0; $list | length) as $i ([];
          ($list[$i]) as $v
          | if ($v | type) == "string" and $accounts[$v] != null
               and ([$strings[] | select(. == $accounts[$v])] | length) > 0
            then .                              # its new ID is already there: drop it
            else . + [$v | account]
            end)
    else account
    end;

  def conditions:
    if type == "object" then
      (if (.items | type) == "array" then .items |= map(conditions) else . end)
      | (if (.field == "email_account" or .field == "account") and has("value")
         then .value |= account_value else . end)
    elif type == "array" then map(conditions)
    else . end;

  def action:
    if type == "object" and (.from | type) == "object" then
      .from |= ((if has("account") then .account |= account else . end)
                | (if has("address") then .address |= address else . end))
    else . end;

  def each(f): if type == "array" then map(f) else . end;

  (if (.rules | type) == "array" then
     .rules |= map(
       if type == "object" then
         (if has("conditions") then .conditions |= conditions else . end)
         | (if has("actions") then .actions |= each(action) else . end)
       else . end)
   else . end)
  | (if (.aliases | type) == "array" then
       .aliases |= map(if type == "object" then
                         (if has("account") then .account |= account else . end)
                         | (if has("address") then .address |= address else . end)
                       else . end)
     else . end)
  | (if (.sharing | type) == "array" then
       .sharing |= map(if type == "object" and has("account") then .account |= account
                       else . end)
     else . end)

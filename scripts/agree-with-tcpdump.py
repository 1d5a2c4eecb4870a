#!/usr/bin/env python3
"""Per-packet agreement of `dissect FLAGS` with `TZ=GMT0 tcpdump -nn FLAGS` over
the shared capture corpus (../shared/captures, or $CAPTURES), restricted to
captures whose tshark protocol stacks (MANIFEST.tsv) use only link, network and
transport protocols. Needs tcpdump and a release build of dissect.

usage: scripts/agree-with-tcpdump.py [-v|-vvv|-e ...] [--all] [--list]
  --all   every capture in the corpus;  --list  name the captures that differ"""
import csv, os, re, subprocess, sys
flags=[a for a in sys.argv[1:] if a.startswith('-') and a not in ('--all','--list')]
ALLOWED={'eth','ethertype','vlan','ieee8021ad','sll','null','raw','ip','ipv6','ipv6.hopopts','ipv6.routing',
 'ipv6.fraghdr','ipv6.dstopts','ipv6.nonxt','tcp','udp','icmp','icmpv6','arp','data','ah','esp','loop'}
here=os.path.dirname(os.path.abspath(__file__))
root=os.environ.get('CAPTURES', os.path.join(here,'..','..','shared','captures'))
dissect=os.path.join(here,'..','target','release','dissect')
rows=list(csv.DictReader(open(root+'/MANIFEST.tsv'),delimiter='\t'))
ts=re.compile(r'^(\d\d:\d\d:\d\d\.\d+ |\[Invalid header)')
def blocks(text):
    out=[]
    for line in text.splitlines():
        if ts.match(line) or not out: out.append(line)
        else: out[-1]+='\n'+line
    return out
tot=ok=0
for r in rows:
    stacks=[s for s in r['protocols'].split(' | ') if s]
    protos={p for s in stacks for p in s.split(':')}
    if '--all' not in sys.argv and not protos<=ALLOWED: continue
    f=os.path.join(root,r['file'])
    exp=subprocess.run(['tcpdump','-nn',*flags,'-r',f],capture_output=True,text=True,env={'TZ':'GMT0'},errors='replace').stdout
    got=subprocess.run([dissect,*flags,f],capture_output=True,text=True,errors='replace')
    if 'panicked' in got.stderr: print('PANIC',f)
    e,g=blocks(exp),blocks(got.stdout)
    n=len(e); m=sum(1 for a,b in zip(e,g) if a==b)
    tot+=n; ok+=m
    if m<n and '--list' in sys.argv: print(f'{m}/{n} {r["file"]}')
print(f'packets identical {" ".join(flags) or "default"}: {ok}/{tot} = {100*ok/max(tot,1):.1f}%')

## Felles
site-name = Helseportal
skip-to-content = Hopp til hovedinnhold
language-link = Språk/Language
log-in = Logg inn
log-out = Logg ut
back-to-front = Forside
emergency = For akutt helsehjelp, ring 113. Hvis det haster, ring legekontoret eller legevakt på 116 117.
footer-help = Helseportal – tjenester fra fastlegen din, trygt og når det passer deg.
footer-emergency = Ved akutt sykdom eller skade: ring 113.
logged-in-as = Logget inn som { $name }
main-menu = Hovedmeny

## Forside
front-title = Helseportal
front-lead = Kontakt fastlegen, bestill time, se meldinger og bruk helsetjenester på nett.
front-login-lead = Logg inn med elektronisk ID for å bruke tjenestene.
front-greeting = Hei, { $name }
front-gp-tile = Din fastlege
front-gp-tile-text = Kontakt fastlegen og se alle tjenestene
front-services = Dine tjenester
front-consent-tile = Samtykke
front-consent-tile-text = Se og endre samtykket ditt til bruk av Helseportal
front-language-tile = Språk/Language
front-language-tile-text = Velg bokmål eller engelsk

## Samtykke
consent-title = Samtykke til bruk av Helseportal
consent-first-lead = Første gang du logger inn, må du samtykke til bruk av Helseportal. Du kan når som helst endre eller trekke samtykket ditt.
consent-change-lead = Du kan når som helst endre eller trekke samtykket ditt.
consent-current = Ditt samtykke nå: { $level }
consent-choose = Velg samtykkenivå
consent-most-choose = De aller fleste velger samtykkenivå «Full tilgang».
consent-basis = Basis
consent-basis-text = Du kan bruke tjenester som ikke inneholder helseopplysninger om deg, for eksempel se hvem som er fastlegen din og kontaktinformasjonen til legekontoret.
consent-basis-pluss = Basis+
consent-basis-pluss-text = Som Basis. I tillegg kan du motta og lese meldinger og brev fra helsetjenesten i innboksen, og få varsel om dem.
consent-full-tilgang = Full tilgang
consent-full-tilgang-text = Som Basis+. I tillegg kan du se helseopplysninger om deg, som resepter og vaksiner, og bruke tjenestene fastlegen tilbyr: bestille time, starte e-konsultasjon, fornye resept, kontakte legekontoret og bestille influensavaksine.
consent-save = Lagre samtykke
consent-saved = Samtykket ditt er lagret.
consent-missing-choice = Du må velge et samtykkenivå før du kan gå videre.
consent-withdraw-heading = Trekke samtykket
consent-withdraw-text = Når du trekker samtykket, blir du logget ut. Neste gang du logger inn, blir du spurt om samtykke på nytt.
consent-withdraw-button = Trekk samtykket
consent-withdrawn-title = Samtykket er trukket
consent-withdrawn-text = Du har trukket samtykket ditt til bruk av Helseportal og er logget ut. Neste gang du logger inn, blir du spurt om samtykke på nytt.
consent-needs-full = Denne tjenesten krever samtykke til Full tilgang.
consent-needs-full-now = Du har samtykket til { $level }. Endre samtykket til Full tilgang for å bruke fastlegetjenestene.
consent-change-link = Endre samtykke

## Din fastlege
gp-title = Fastlegetjenester
gp-doctor-at-office = Fastlege { $doctor } ved { $office }
gp-what-do-you-need = Hva trenger du?
gp-service-bestill-time = Bestille time
gp-service-bestill-time-text = For oppmøte på legekontoret, eller på video hvis legen tilbyr dette.
gp-service-e-konsultasjon = Starte e-konsultasjon
gp-service-e-konsultasjon-text = Send melding til fastlegen for situasjoner som ikke haster. Du betaler vanlig egenandel.
gp-service-forny-resept = Fornye resept
gp-service-forny-resept-text = Gjelder bare resepter du har fått tidligere.
gp-service-kontakt-legekontoret = Kontakte legekontoret
gp-service-kontakt-legekontoret-text = For administrative spørsmål, som ferieavvikling og adkomst. Du kan ikke få helsehjelp via denne tjenesten.
gp-service-influensavaksine = Bestille influensavaksine
gp-service-influensavaksine-text = Bestill time for influensavaksine hos fastlegen.
gp-services-heading = Tjenester fastlegen tilbyr
gp-answer-time = Ved kontakt via Helseportal svarer legekontoret deg i løpet av 5 arbeidsdager.
gp-no-digital-services = Fastlegen din tilbyr ikke digitale tjenester på Helseportal
gp-no-digital-services-text = Selv om fastlegen din ikke tilbyr digitale tjenester, finner du her informasjon om hvem fastlegen din er og kontaktinformasjon til legekontoret.
gp-office-contact = Kontaktinformasjon til legekontoret
gp-phone = Tlf. { $phone }
gp-none = Du har ingen fastlege registrert
gp-none-text = Alle som er registrert som bosatt i Norge, har rett til en fastlege. Kontakt Helfo for å få en fastlege.

## Språk
language-title = Språk/Language
language-lead = Velg språk for Helseportal.
language-nb = Norsk (bokmål)
language-en = English
language-save = Bruk valgt språk

## Utlogging
logged-out-title = Du er logget ut
logged-out-text = Takk for besøket. Lukk nettleseren hvis du bruker en delt datamaskin.
logged-out-inactive-title = Du er logget ut
logged-out-inactive-text = Du ble logget ut automatisk fordi du ikke har vært aktiv på 30 minutter. Logg inn igjen for å fortsette.
session-warning-title = Du blir snart logget ut
session-warning-text = Du har ikke vært aktiv på en stund. Av sikkerhetshensyn blir du logget ut automatisk om { $minutes } minutter.
session-continue = Fortsett å være logget inn

## Innlogging
login-failed-title = Innloggingen kunne ikke fullføres
login-failed-text = Innloggingen ble avbrutt eller er allerede brukt. Prøv å logge inn på nytt.
login-low-level-title = Innloggingen har for lavt sikkerhetsnivå
login-low-level-text = Helseportal inneholder helseopplysninger og krever innlogging på høyeste sikkerhetsnivå. Logg inn med BankID, Buypass eller Commfides.
login-unknown-person-title = Vi fant deg ikke i folkeregisteret
login-unknown-person-text = Personen du logget inn som, er ikke registrert hos oss. Kontakt Veiledning Helseportal hvis du mener dette er feil.
login-idp-unavailable-title = Innloggingstjenesten svarer ikke
login-idp-unavailable-text = Vi får ikke kontakt med innloggingstjenesten akkurat nå. Prøv igjen om litt.
login-again = Logg inn på nytt

## Testinnlogging
test-idp-title = Testinnlogging
test-idp-lead = Denne innloggingen står i stedet for den nasjonale innloggingstjenesten i demo- og testmiljøet. Velg en testperson, eller skriv inn et fødselsnummer.
test-idp-persons = Testpersoner
test-idp-citizens = Innbyggere
test-idp-staff = Ansatte ved legekontor
test-idp-fnr = Fødselsnummer
test-idp-fnr-hint = 11 siffer
test-idp-submit = Logg inn
test-idp-unknown = Ingen person med dette fødselsnummeret er registrert.
test-idp-bad-request = Innloggingsforespørselen er ugyldig.

## Feil
fnr-wrong-length = Fødselsnummeret må ha 11 siffer.
fnr-not-digits = Fødselsnummeret kan bare inneholde tall.
fnr-check-digits = Fødselsnummeret er ikke gyldig. Kontroller at du har skrevet det riktig.
fnr-birth-date = Fødselsnummeret inneholder ikke en gyldig fødselsdato.
error-not-found-title = Siden finnes ikke
error-not-found-text = Vi finner ikke siden du prøvde å åpne. Den kan være flyttet eller slettet.
error-unavailable-title = Tjenesten er midlertidig utilgjengelig
error-unavailable-text = Vi har tekniske problemer akkurat nå. Ingenting av det du sendte er lagret. Prøv igjen om litt.
error-internal-title = Noe gikk galt
error-internal-text = Det oppstod en feil hos oss. Prøv igjen om litt.
error-csrf-title = Skjemaet kunne ikke sendes
error-csrf-text = Skjemaet er utløpt eller ugyldig, og ingenting er endret. Gå tilbake, last siden på nytt og prøv igjen.
error-bad-request-title = Ugyldig forespørsel
error-bad-request-text = Forespørselen kunne ikke behandles, og ingenting er endret.
error-forbidden-title = Du har ikke tilgang
error-forbidden-text = Du har ikke tilgang til denne siden.
error-reference = Referanse: { $id }
error-go-front = Gå til forsiden

## Legekontor
office-title = Helseportal for legekontor
office-lead = Logg inn for å se henvendelser og velge hvilke tjenester legekontoret tilbyr.
office-login = Logg inn som ansatt
office-not-staff-title = Du er ikke registrert som ansatt
office-not-staff-text = Personen du logget inn som, er ikke registrert som ansatt ved et legekontor.
office-dashboard-title = { $office }
office-you-are = Du er logget inn som { $name } ({ $role }).
office-role-lege = lege
office-role-resepsjon = resepsjon
office-role-kontorleder = kontorleder
office-services-link = Tjenester på Helseportal
office-services-title = Tjenester legekontoret tilbyr
office-services-lead = Velg hvilke tjenester innbyggerne på legekontorets lister skal se på Helseportal. Endringen gjelder med en gang.
office-services-save = Lagre tjenestene
office-services-saved = Tjenestene er lagret.
office-services-readonly = Bare kontorleder kan endre hvilke tjenester legekontoret tilbyr.
office-services-none-note = Velger du ingen tjenester, får innbyggerne beskjed om at fastlegen ikke tilbyr digitale tjenester.
office-services-offered = Tilbys nå
office-services-not-offered = Tilbys ikke
office-practitioners = Behandlere ved legekontoret
practitioner-fastlege = fastlege
practitioner-vikar = vikar for fastlege
practitioner-turnuslege = turnuslege
practitioner-jordmor = jordmor
practitioner-sykepleier = sykepleier
practitioner-spesialist = avtalespesialist

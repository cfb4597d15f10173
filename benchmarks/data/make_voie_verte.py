"""Builds voie_verte_answers.csv and voie_verte_codebook.json: a third coded set for
benchmarks/quality.py, harder than municipal_answers.csv and built apart from it, from the ABS
answers and from every codebook rule. It was written, and its data committed, before any system
of ours was run on it; nothing in it was changed after seeing a score.

The consultation: a small town (« Saint-Aubin-sur-Loir ») asks its residents « Que pensez-vous
du projet de voie verte entre le bourg et le collège, et du réaménagement du centre-bourg qui
l'accompagne ? ». 36 codes, one of them « Sans réponse / hors sujet », of very unequal frequency
(from about 150 answers down to about 5), 900 answers.

What makes it harder than the market-square set:
- every phrasing is a template with alternatives « [a|b|c] » drawn at random, and most codes
  have phrasings that never name the code's obvious word (« ma fille part à 7h20 sur la
  départementale » is about the children's trips to school, without « école » or « trajet »);
- codes share their vocabulary on purpose: the cycle track, cyclists' safety and bicycle
  parking all speak of « vélo »; parking and traffic both of « voiture »; the opinion codes
  (« Soutien au projet », « Opposition au projet ») are often ironic (« bravo, encore une
  idée géniale… » is an opposition);
- sentences that name a code's theme without being about it (« le stationnement c'est pas mon
  sujet ») and sentences of context (« j'habite route de Brissac depuis 30 ans ») carry no code;
- residents' writing: missing accents, SMS style (« pr », « bcp », « c », « jsp »), typos
  (dropped, doubled or swapped letters, « -er » for « -é »), capitals, no punctuation; answers
  from two words to a paragraph;
- coders disagree as coders do: about one answer in fifteen lost a code a second coder would
  have given it, one in twenty-five got a neighbouring code (the sets of the issue are coded by
  volunteers, not by a generator).
Seeded: running it again writes the same files.

    python benchmarks/data/make_voie_verte.py
"""

import csv
import json
import random
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2126
N_ANSWERS = 900
NONE = "hors-sujet"

# code id, name, relative frequency, phrasings (« [a|b] »: one alternative drawn at random)
CODES = [
    (
        "voie-verte-trace",
        "Tracé et continuité de la voie verte",
        170,
        [
            "la voie verte doit aller [jusqu'au collège|jusqu'à la gare|jusqu'au bourg] sans s'arrêter au milieu de nulle part",
            "[pourquoi|pk] le tracé passe par [le lotissement|les Chênes|la zone artisanale] et pas [le long de la Loir|par l'ancienne voie ferrée] ?",
            "la piste [s'arrête|s'interrompt|finit] au rond-point, après on fait comment ?",
            "il faudrait prolonger la [piste|voie verte] [vers Brissac|jusqu'au plan d'eau|vers la commune voisine]",
            "[le chemin de halage|l'ancienne voie ferrée] serait [parfait|idéal|bien mieux] pour [la voie verte|une piste]",
            "une piste en pointillés, un bout ici un bout là, ça ne sert à rien",
            "[relier|raccorder] les hameaux au bourg, c'est ça qu'il faut",
            "le tracé [par la route de Brissac|le long de la départementale] [est mal pensé|n'a aucun sens]",
            "[une vraie|une] piste [continue|séparée] du bourg au collège, [voilà|c'est tout ce qu'on demande]",
            "faire passer la voie verte derrière [les jardins|l'école|le cimetière] serait plus agréable",
            "piste cyclable oui mais [bien faite|jusqu'au bout]",
            "les [3|4|deux] kilomètres entre [la Fontaine|les Noues] et le bourg sont [oubliés|pas prévus] dans le plan",
        ],
    ),
    (
        "stationnement",
        "Stationnement et places supprimées",
        130,
        [
            "[on supprime|vous supprimez] [30|une trentaine de|40] places de parking, [on se gare où|où va-t-on se garer] ?",
            "déjà qu'on [tourne|galère] pour se garer le [samedi|jour du marché]",
            "il faut [garder|conserver] les places devant [la boulangerie|la pharmacie|la mairie]",
            "[plus de parking|moins de places] = plus personne dans le bourg",
            "[ou|où] vont se garer les parents à la sortie de l'école ?",
            "je [me gare|gare ma voiture] devant chez moi depuis [20|30] ans, [je fais comment maintenant|il va falloir se garer où]",
            "un parking [à l'entrée du bourg|derrière la salle des fêtes] réglerait le problème",
            "le stationnement [est déjà|est] [un enfer|impossible|compliqué] rue [du Moulin|de la Poste]",
            "parking !!",
            "[les places|les stationnements] minute devant les commerces [sont indispensables|doivent rester]",
            "ma mère ne peut plus marcher, si elle ne peut pas se garer devant [le médecin|la pharmacie] elle ne viendra plus",
        ],
    ),
    (
        "securite-velo",
        "Sécurité des cyclistes",
        100,
        [
            "à vélo sur la départementale on [risque sa vie|se fait frôler|a peur] [tous les jours|chaque matin]",
            "il faut [séparer|protéger] les vélos des voitures, [une bande peinte|de la peinture au sol] ça ne protège de rien",
            "[les camions|les tracteurs|les voitures] frôlent les cyclistes, [c'est dangereux|un jour il y aura un mort]",
            "le carrefour [de la Croix-Rouge|du Calvaire] est [un piège|dangereux] pour les vélos",
            "[je ne|je n'ose plus] [laisse|laisser] pas mon fils aller à vélo tellement [c'est dangereux|j'ai peur]",
            "une piste [sécurisée|protégée] avec [une bordure|des séparateurs|une haie] entre les vélos et la route",
            "[un cycliste|une cycliste] s'est fait renverser [l'an dernier|en mars] au rond-point",
            "la nuit [sans éclairage|sans lumière], les cyclistes sont invisibles",
            "la bande cyclable actuelle, c'est [un couloir de la mort|du suicide]",
        ],
    ),
    (
        "cout",
        "Coût, impôts et priorités budgétaires",
        95,
        [
            "[combien|cb] ça va coûter ? [on n'a pas d'argent|la commune est endettée]",
            "[encore|toujours] des [impôts|taxes] en plus pour [un projet|des travaux] dont on n'a pas besoin",
            "[800 000|1,2 million|900 000] euros pour [une piste|un bout de goudron|quelques kilomètres], [c'est de la folie|sérieusement ?]",
            "l'argent serait mieux utilisé [pour l'école|pour les routes|pour les anciens|ailleurs]",
            "trop cher",
            "[qui paie|qui va payer] ? [encore nous|les contribuables comme toujours]",
            "avec les subventions de [la région|l'État|du département] pourquoi pas, sinon non",
            "on [paie|payera] [la taxe foncière|nos impôts] pour ça ?",
            "il y a d'autres priorités [dans le budget|pour la commune] que [la piste|ce projet]",
        ],
    ),
    (
        "defavorable",
        "Opposition au projet",
        90,
        [
            "je suis contre [ce projet|la voie verte|ce réaménagement]",
            "[bravo|génial|super idée], encore un projet [pour faire joli|inutile|de bobos] [...|!!|.]",
            "[non|NON] [merci|à ce projet]",
            "projet [inutile|absurde|idiot|ridicule]",
            "[vous allez tuer le bourg|vous allez achever le centre] avec [ce projet|vos idées]",
            "personne ne l'a demandé, [ce projet|cette piste]",
            "laissez le bourg comme il est",
            "[génial|magnifique], on pourra admirer la piste vide depuis nos voitures coincées",
            "encore une idée de la ville [imposée|parachutée] à la campagne",
            "[abandonnez|arrêtez] ce projet [svp|s'il vous plaît|merci]",
            "[super|top], trois vélos par jour et on casse tout pour eux",
        ],
    ),
    (
        "favorable",
        "Soutien au projet",
        85,
        [
            "[très bon|excellent|super] projet",
            "[enfin|ENFIN] !! [il était temps|pas trop tôt]",
            "je [soutiens|suis pour] [ce projet|la voie verte|le projet] [à 100 %|sans hésiter|évidemment]",
            "[bonne|très bonne] idée, [allez-y|foncez|à faire vite]",
            "[merci|bravo] à la mairie pour ce projet, [ça va changer la vie|c'est une vraie avancée]",
            "on attendait ça depuis [des années|10 ans|longtemps]",
            "je signe des deux mains",
            "[oui|OUI] [mille fois oui|évidemment]",
            "favorable",
            "ça rendra le bourg [plus vivant|plus agréable|enfin agréable]",
        ],
    ),
    (
        "commerces",
        "Commerces du centre-bourg",
        70,
        [
            "[les commerçants|nos commerces] vont [souffrir|mourir|fermer] [pendant les travaux|si on enlève les voitures]",
            "[la boulangerie|le tabac-presse|la boucherie] vit des clients qui s'arrêtent en voiture",
            "un bourg agréable, ça [fait venir|attire] des [commerces|boutiques]",
            "il faut [aider|soutenir|indemniser] les [commerces|commerçants] [pendant le chantier|pendant les mois de travaux]",
            "il reste [trois|quatre] [commerces|boutiques] dans le bourg, ne les tuez pas",
            "les cyclistes [achètent|consomment] aussi, [ils s'arrêteront au café|ils feront vivre le bar]",
            "une terrasse pour [le café|le bar-tabac] sur la place serait [super|un plus]",
            "[les vitrines vides|les pas-de-porte vides] [font peine|sont tristes] à voir",
        ],
    ),
    (
        "arbres",
        "Arbres, ombre et végétalisation",
        65,
        [
            "[planter|mettez] des arbres le long de la [voie|piste], [l'été|en été] on cuit",
            "[ne coupez pas|pas touche aux] [les platanes|les tilleuls|la haie] [de la place|du chemin]",
            "[plus de|davantage de] [verdure|végétation|fleurs] dans le bourg",
            "[une haie|des haies] [bocagère|champêtre] [le long de la voie|au bord de la piste]",
            "on a [abattu|coupé] [les marronniers|les arbres] il y a [5 ans|deux ans], [on les attend toujours|rien n'a repoussé]",
            "du vert, pas du [béton|bitume|goudron]",
            "[des essences locales|des arbres fruitiers|des arbres d'ici], pas des palmiers",
            "[de l'ombre|un peu d'ombre] sur la place, [pitié|svp]",
        ],
    ),
    (
        "circulation",
        "Circulation automobile et report de trafic",
        60,
        [
            "[la rue principale|la Grand'Rue] en sens unique [va reporter|reportera] les voitures sur [les petites rues|le lotissement]",
            "[ça bouchonne|ça bouche] déjà [le matin|à 8h] devant [l'école|la mairie]",
            "[les camions|les poids lourds] doivent [passer|prendre] par la déviation, pas par le bourg",
            "[le nouveau plan|le plan] de circulation [est incompréhensible|on n'y comprend rien]",
            "[les voitures|les gens] vont [couper|passer] par [le chemin des Vignes|la rue des Écoles] pour éviter le centre",
            "[fermer|interdire] la rue aux voitures, [et les livraisons|et les riverains] ?",
            "il y a [trop de|bcp de] [trafic|circulation] dans [le bourg|la traversée]",
        ],
    ),
    (
        "trajet-college",
        "Trajets des enfants vers l'école et le collège",
        55,
        [
            "[ma fille|mon fils|mes enfants] [part|partent] à [7h20|7h30] [sur la départementale|par la route] pour aller au collège",
            "les [collégiens|ados|enfants] pourraient [aller en cours|rejoindre le collège] [à vélo|en vélo] en toute sécurité",
            "le matin c'est [la course|l'angoisse] : [je dépose|on dépose] les enfants en voiture faute de mieux",
            "[mes deux|nos] [gamins|enfants] feraient [le trajet|les 4 km] seuls s'il y avait [une vraie piste|un chemin sûr]",
            "[les parents|on] [fait|fait] le taxi [matin et soir|tous les jours] pour [le collège|l'école]",
            "[la sortie|l'entrée] du collège [est|c'est] [dangereuse|le chaos] à [16h30|17h]",
        ],
    ),
    (
        "pietons",
        "Trottoirs et cheminement piéton",
        50,
        [
            "les trottoirs [sont trop étroits|font 50 cm], [on marche|on doit marcher] sur la route",
            "[penser|pensez] aux piétons [aussi|d'abord], pas qu'aux vélos",
            "partager la voie entre [marcheurs|piétons] et vélos, [ça va mal finir|bonjour les accidents]",
            "[un vrai|des vrais] [trottoir|trottoirs] [rue du Moulin|route de Brissac] [svp|serait bien]",
            "je [me promène|marche] tous les jours avec [mon chien|ma voisine], le chemin est [boueux|impraticable]",
            "[les marcheurs|les promeneurs] du dimanche seront contents",
        ],
    ),
    (
        NONE,
        "Sans réponse / hors sujet",
        60,
        [
            "[rien à dire|rien a dire|ras|RAS|néant]",
            "[je ne sais pas|jsp|je sais pas|aucune idée]",
            "[?|...|-|.]",
            "[mon voisin|le voisin d'en face] laisse [aboyer son chien|son chien aboyer] toute la nuit, qui peut faire quelque chose ?",
            "quand [est-ce qu'on aura|aura-t-on] [la fibre|internet] [au hameau|aux Noues] ?",
            "[les impôts nationaux|Macron|le gouvernement|l'Europe] [c'est du vol|ne nous écoute jamais]",
            "[bonne journée|merci|cordialement]",
            "je [n'habite plus|ne vis plus] [la commune|ici] [depuis 2 ans|depuis longtemps], [je ne me prononce pas|pas concerné]",
            "[le ramassage|la collecte] des [encombrants|ordures] [passe jamais|c'est n'importe quoi] [aux Noues|chez nous]",
            "[pas d'avis|sans avis|pas concerné]",
            "[test|essai] [test|formulaire]",
            "[qui|ki] a [rempli|écrit] ce questionnaire ? [trop long|illisible]",
        ],
    ),
    (
        "concertation",
        "Concertation et information des habitants",
        48,
        [
            "[on n'a pas été|personne n'a été] [consulté|consultés|prévenu]",
            "[une réunion|des réunions] publique[s] [le soir|un samedi] [pour en parler|serait la moindre des choses]",
            "[tout est|c'est] déjà décidé, [ce questionnaire|cette consultation] c'est pour la forme",
            "[informez|tenez au courant] les riverains [avant|avant de commencer], pas après",
            "j'ai [appris|découvert] le projet [dans le journal|sur Facebook|par le voisin]",
            "[merci|bien] de nous demander notre avis, [pour une fois|c'est rare]",
            "[les plans|le dossier] [ne sont|n'est] [pas|nulle part] en ligne, [comment voulez-vous qu'on donne un avis|on ne peut pas juger]",
        ],
    ),
    (
        "vitesse",
        "Vitesse des voitures et ralentisseurs",
        42,
        [
            "[les voitures|ça] [roulent|roule] à [90|fond|toute allure] dans la traversée du bourg",
            "[des ralentisseurs|des dos-d'âne|des chicanes|un radar] [svp|s'il vous plaît|il faut]",
            "[une zone 30|le 30 km/h] dans tout le bourg",
            "[personne ne respecte|aucun respect de] la [limitation|limite] à 50",
            "[les motos|les jeunes en voiture] font [la course|des rodéos] [le soir|le week-end] route de Brissac",
        ],
    ),
    (
        "travaux",
        "Durée et gêne des travaux",
        38,
        [
            "[combien de temps|cb de temps] [vont durer|dureront] les travaux ?",
            "[pas de travaux|évitez les travaux] [en été|pendant la saison|en juillet-août]",
            "[les travaux|le chantier] de [la rue de la Poste|l'assainissement] [ont duré|a duré] [un an|18 mois], [on a donné|merci bien]",
            "[faire|phaser] les travaux [par tranches|rue par rue] [pour que ça reste accessible|pour ne pas tout bloquer]",
            "[la poussière|le bruit] [des engins|du chantier] [pendant des mois|tous les jours], [non merci|très peu pour moi]",
        ],
    ),
    (
        "accessibilite",
        "Accessibilité (fauteuil, poussette, personnes à mobilité réduite)",
        34,
        [
            "[en fauteuil|avec un fauteuil roulant] [on ne passe pas|c'est impossible] [sur les trottoirs|dans le bourg]",
            "[avec la poussette|en poussette] je dois [marcher sur la route|descendre du trottoir]",
            "[des bateaux|des abaissements] de trottoir [aux passages piétons|partout]",
            "[pensez aux|penser aux] personnes [à mobilité réduite|handicapées|avec un déambulateur]",
            "[le revêtement|les pavés] [doit|doivent] être [roulant|lisse] pour [les fauteuils|les poussettes]",
        ],
    ),
    (
        "bancs",
        "Bancs et mobilier pour s'asseoir",
        28,
        [
            "[des bancs|quelques bancs] [le long de la voie|sur la place|à l'ombre]",
            "[où s'asseoir|pas un banc] [entre la mairie et l'église|dans tout le bourg]",
            "[une table de pique-nique|des tables] [au bord de l'eau|près du pont]",
            "[les anciens|les personnes âgées] ont besoin de [s'asseoir|pouvoir se poser] [en chemin|tous les 200 m]",
        ],
    ),
    (
        "eclairage",
        "Éclairage",
        25,
        [
            "[éclairer|éclairage] [la voie|le chemin|la piste] [l'hiver|le soir], [à 17h il fait nuit|sinon personne ne l'utilisera]",
            "[pas d'éclairage|pas de lampadaires] [la nuit|toute la nuit] [pour les chauves-souris|pour les étoiles|à cause de la facture]",
            "des [lampadaires|lumières] à détection de présence",
            "[la rue|le lotissement] est [noire|dans le noir] dès [22h|23h]",
        ],
    ),
    (
        "marche-fetes",
        "Marché et fêtes sur la place",
        30,
        [
            "[où ira|ou va aller] le marché [du jeudi|du dimanche] [pendant les travaux|après les travaux] ?",
            "[la fête|la foire] [de la Saint-Jean|d'automne] a besoin de [la place|place] pour [les manèges|les stands]",
            "[le vide-grenier|la brocante] se fait sur [ce parking|la place], [on le met où|on fait comment]",
            "[des prises électriques|un point d'eau] pour [les forains|les marchands]",
            "[un marché|un petit marché] de producteurs [le vendredi soir|le samedi] ce serait [sympa|génial]",
        ],
    ),
    (
        "jeux-enfants",
        "Aire de jeux et enfants",
        26,
        [
            "[une aire de jeux|des jeux pour les petits] [sur la place|près de la voie]",
            "[le toboggan|les jeux] [du square|de l'école] [est cassé|sont cassés] depuis [des mois|un an]",
            "[les petits|nos enfants] n'ont [nulle part|aucun endroit] où jouer dans le bourg",
            "[un bac à sable|une balançoire|un city-stade] [ferait plaisir|ça serait bien]",
        ],
    ),
    (
        "jeunes",
        "Jeunes et adolescents",
        18,
        [
            "[rien pour|il n'y a rien pour] les [ados|jeunes] ici, [ils traînent|ils s'ennuient]",
            "[un skatepark|une piste de BMX|un pumptrack] pour les [jeunes|ados]",
            "[les jeunes|nos ados] [partent|vont] en ville [faute d'activités|parce qu'il n'y a rien]",
            "[un local jeunes|un lieu pour les jeunes] [serait utile|manque]",
        ],
    ),
    (
        "proprete",
        "Propreté, poubelles et déjections",
        22,
        [
            "des [poubelles|corbeilles] [le long de la voie|sur la place], [sinon|ou] les déchets finiront dans le fossé",
            "[les crottes de chien|les déjections canines] [partout|sur les trottoirs], [c'est dégoûtant|une horreur]",
            "[qui va|ki va] [nettoyer|entretenir] [la piste|la voie] ? [les feuilles|la boue] [en automne|l'hiver]",
            "[les canettes|les mégots] [traînent|s'accumulent] [derrière la salle|sur le parking]",
        ],
    ),
    (
        "bruit",
        "Bruit et tranquillité des riverains",
        20,
        [
            "[le bruit|les nuisances] [des scooters|des jeunes] [le soir|la nuit] sous nos fenêtres",
            "[une voie|un passage] derrière nos jardins, [adieu la tranquillité|fini le calme]",
            "[les riverains|nous les riverains] [veulent|voulons] [garder notre calme|dormir tranquilles]",
            "[déjà|deja] [du bruit|du monde] [tout l'été|les week-ends] avec le plan d'eau",
        ],
    ),
    (
        "patrimoine",
        "Patrimoine, église et caractère du bourg",
        18,
        [
            "[respecter|respectez] [le caractère|l'âme] [ancien|du bourg], [pas de béton|pas de mobilier moderne]",
            "[mettre en valeur|valoriser] [l'église|le lavoir|le calvaire|les vieilles maisons]",
            "[le vieux pont|le lavoir] [mérite|mériterait] [une restauration|d'être restauré]",
            "[les Bâtiments de France|l'architecte des Bâtiments de France] [doit|devra] valider, [attention|prudence]",
        ],
    ),
    (
        "parking-velo",
        "Stationnement vélo (arceaux, abris)",
        16,
        [
            "[des arceaux|des attaches] pour [les vélos|garer son vélo] [devant les commerces|à la mairie|au collège]",
            "[un abri vélo|un garage à vélo] [couvert|sécurisé] [au collège|à l'arrêt de car]",
            "[on m'a volé|je me suis fait voler] mon vélo [devant la poste|à la gare], [il faut des abris fermés|rien pour l'attacher]",
            "[où accrocher|où laisser] [son vélo|les vélos] en arrivant au bourg ?",
        ],
    ),
    (
        "transports",
        "Car scolaire, bus et transport à la demande",
        15,
        [
            "[le car scolaire|le car] passe [à 6h50|trop tôt|une fois par jour]",
            "[un bus|une navette] [vers la gare|vers la ville] serait [plus utile|mieux] [que la piste|qu'une voie verte]",
            "[le transport à la demande|le TAD] [ne marche pas|il faut réserver 48h avant]",
            "[l'arrêt de car|l'abribus] [n'a pas d'abri|est au bord de la route]",
        ],
    ),
    (
        "agriculteurs",
        "Engins agricoles et accès des riverains",
        12,
        [
            "[les tracteurs|les engins agricoles|les moissonneuses] [doivent pouvoir passer|passeront où] ?",
            "[on est agriculteurs|je suis agriculteur], [l'accès à nos champs|l'accès aux parcelles] [doit rester|ne doit pas être coupé]",
            "[la voie verte|la piste] [coupe|traverse] [mes parcelles|nos terres], [personne ne m'a demandé|je n'ai pas été prévenu]",
        ],
    ),
    (
        "entretien",
        "Entretenir l'existant d'abord (routes, nids-de-poule)",
        24,
        [
            "[réparez|commencez par réparer] [les nids-de-poule|les routes|la chaussée] [avant|avant de faire] [une piste|du neuf]",
            "[la route des Noues|le chemin communal] [est défoncée|est pleine de trous] depuis [des années|10 ans]",
            "[entretenir|entretenez] ce qui existe [avant de construire|au lieu de faire du neuf]",
            "[les fossés|les accotements] [ne sont jamais|sont pas] [entretenus|fauchés]",
        ],
    ),
    (
        "ecologie",
        "Climat, écologie et pollution",
        30,
        [
            "[moins de voitures|laisser la voiture] = [moins de pollution|moins de CO2|un air plus sain]",
            "[pour la planète|pour le climat|c'est écologique], [il faut le faire|allons-y]",
            "[bétonner|goudronner] [des terres|un chemin de terre] pour [faire écolo|une voie verte], [cherchez l'erreur|belle contradiction]",
            "[la transition écologique|l'écologie] [ça commence|commence] [ici|par des projets comme ça]",
            "[préserver|protéger] [la zone humide|les mares|les oiseaux] [le long de la Loir|au bord de l'eau]",
        ],
    ),
    (
        "toilettes",
        "Toilettes publiques",
        8,
        [
            "[des toilettes|des WC] [publiques|publics] [sur la place|au départ de la voie]",
            "[aucune toilette|pas un seul WC] dans le bourg, [c'est gênant|pour les anciens c'est dur]",
        ],
    ),
    (
        "bornes",
        "Bornes de recharge électrique",
        10,
        [
            "[des bornes|une borne] de recharge pour [voitures électriques|les vélos électriques]",
            "[recharger|où recharger] [son vélo électrique|ma voiture électrique] [au bourg|en centre-bourg] ?",
        ],
    ),
    (
        "animaux",
        "Animaux (chiens, faune, nuisibles)",
        7,
        [
            "[les chiens|des chiens] [en liberté|pas tenus en laisse] [sur le chemin|le long de la voie]",
            "[les ragondins|les pigeons] [envahissent|pullulent] [la place|le bord de l'eau]",
            "[un passage|des passages] pour [la faune|les hérissons|les grenouilles] sous la voie",
        ],
    ),
    (
        "inondation",
        "Pluie, flaques et écoulement des eaux",
        10,
        [
            "[à la moindre pluie|quand il pleut] [la route|le chemin] [est inondé|est sous l'eau]",
            "[un revêtement|un sol] [perméable|drainant], [pas de bitume qui empêche l'eau de s'infiltrer|sinon ça inonde]",
            "[les caniveaux|les grilles] [débordent|sont bouchés] [à chaque orage|au moindre orage]",
        ],
    ),
    (
        "seniors",
        "Personnes âgées et isolement",
        14,
        [
            "[les anciens|les personnes âgées] [sans voiture|qui ne conduisent plus] [sont coincés chez eux|ne peuvent plus venir au bourg]",
            "[à 85 ans|à mon âge] [je ne vais pas|je vais pas] faire du vélo",
            "[pensez aux|et les] [anciens|seniors] de [la résidence|l'Ehpad] [qui voudraient se promener|qui ne sortent plus]",
        ],
    ),
    (
        "materiaux",
        "Matériaux, revêtement et esthétique",
        16,
        [
            "[du sable stabilisé|du calcaire|un revêtement clair], pas [de l'enrobé noir|du bitume]",
            "[les pavés|des pavés] [c'est joli mais|c'est beau mais] [ça glisse|impossible à vélo]",
            "[le mobilier|les barrières] [en bois|en acier corten] [plutôt que|pas] [du plastique|du béton]",
            "[la couleur|le rouge] de la piste [est moche|c'est laid]",
        ],
    ),
]

# Codes a second coder would have given instead, now and then (coders disagree).
NEIGHBOURS = {
    "voie-verte-trace": "securite-velo",
    "securite-velo": "voie-verte-trace",
    "stationnement": "circulation",
    "circulation": "vitesse",
    "vitesse": "securite-velo",
    "trajet-college": "securite-velo",
    "pietons": "accessibilite",
    "accessibilite": "pietons",
    "cout": "defavorable",
    "entretien": "cout",
    "bancs": "seniors",
    "seniors": "accessibilite",
    "arbres": "ecologie",
    "ecologie": "arbres",
    "jeux-enfants": "jeunes",
    "parking-velo": "stationnement",
    "marche-fetes": "commerces",
}

OPENERS = [
    "",
    "",
    "",
    "Bonjour, ",
    "Bonjour. ",
    "Alors ",
    "Pour moi ",
    "Franchement, ",
    "Perso ",
    "Honnêtement ",
    "Bjr ",
    "Mon avis : ",
    "Déjà, ",
]
CONNECTORS = [
    ". ",
    ", ",
    " et ",
    ". Et puis ",
    ". Par contre ",
    " mais ",
    ". Autre chose : ",
    " !! ",
    " ... ",
    "\n",
    ". Aussi ",
    " en plus ",
]
CLOSERS = ["", "", "", ".", ". Merci.", " merci", "!", " Cordialement.", " voila", "..."]
# Context that carries no code.
CONTEXT = [
    "J'habite [route de Brissac|aux Noues|rue du Moulin|au bourg] depuis [20|30|quarante] ans",
    "[Maman|Papa|Parent] de [deux|3|trois] enfants",
    "[Retraitée|Retraité] et [ancien|ancienne] [conseiller municipal|agricultrice|commerçante]",
    "On est arrivés dans la commune [l'an dernier|il y a 2 ans]",
    "Je travaille à [Angers|Saumur|la ville] et je fais [40|25] km par jour",
    "J'ai lu le dépliant [dans la boîte aux lettres|à la mairie]",
    "Je réponds pour [toute la famille|mon mari et moi]",
]
# What long answers wander into: no code either.
RAMBLES = [
    "Je me souviens quand [le train|la micheline] passait encore, c'était [autre chose|le bon temps]",
    "De toute façon [on verra bien|ça se fera quand même|vous ferez ce que vous voudrez]",
    "Mon [mari|voisin|beau-frère] [dit|pense] que [c'est une bonne chose|ça ne changera rien], moi je ne sais pas trop",
    "[On en parlait|On en a parlé] [au club|à la sortie de la messe|au bar] [dimanche|l'autre jour]",
    "J'espère que [ce questionnaire|mon avis] sera [lu|pris en compte] [cette fois|pour de vrai]",
    "Il faut voir [l'ensemble|le projet dans son ensemble] et [pas seulement|non pas juste] un [bout|morceau]",
]
# A theme named without being the point: no code.
ASIDES = [
    "le stationnement c'est pas mon sujet,",
    "les vélos je m'en fiche un peu,",
    "le coût je n'en sais rien,",
    "pour les arbres je laisse les spécialistes,",
    "les travaux faudra bien les faire,",
    "les commerces c'est une autre histoire,",
    "la circulation ça va chez nous,",
]

SMS = [
    (r"\bc'est\b", "c"),
    (r"\bpour\b", "pr"),
    (r"\bbeaucoup\b", "bcp"),
    (r"\bquelque\b", "qq"),
    (r"\bpourquoi\b", "pk"),
    (r"\bparce que\b", "pcq"),
    (r"\btoujours\b", "tjrs"),
    (r"\baujourd'hui\b", "auj"),
    (r"\bquand\b", "qd"),
    (r"\bqu'", "k"),
    (r"\bque\b", "ke"),
    (r"\bqui\b", "ki"),
    (r"\bavec\b", "avc"),
    (r"\bmême\b", "mm"),
    (r"\bil y a\b", "ya"),
    (r"\bje suis\b", "chui"),
    (r"\bje ne sais pas\b", "jsp"),
    (r"\bne (\w+) pas\b", r"\1 pas"),
    (r"\bn'(\w+) pas\b", r"\1 pas"),
    (r"\bvraiment\b", "vrmt"),
    (r"\bsi vous plaît\b", "svp"),
]


def expand(template: str, rng: random.Random) -> str:
    return re.sub(r"\[([^\]]*)\]", lambda m: rng.choice(m.group(1).split("|")), template)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    roll = rng.random()
    k = rng.randrange(1, len(word) - 1)
    if roll < 0.25:
        return word[:k] + word[k + 1 :]  # a letter dropped
    if roll < 0.45:
        return word[:k] + word[k] + word[k:]  # a letter doubled
    if roll < 0.65:
        return word[: k - 1] + word[k] + word[k - 1] + word[k + 1 :]  # two letters swapped
    if roll < 0.8 and word.endswith("é"):
        return word[:-1] + "er"  # « il faut sécuriser » / « sécurisé » confused
    if roll < 0.8 and word.endswith("er"):
        return word[:-2] + "é"
    if word.endswith("s"):
        return word[:-1]  # plural forgotten
    return word.replace("é", "e").replace("è", "e")


def style(text: str, rng: random.Random) -> str:
    if rng.random() < 0.22:
        for pattern, replacement in SMS:
            if rng.random() < 0.8:
                text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    roll = rng.random()
    if roll < 0.3:
        text = strip_accents(text)
    if roll < 0.15:
        text = text.lower()
    elif roll < 0.19:
        text = text.upper()
    if rng.random() < 0.12:
        text = re.sub(r"[.,;:!?]+", "", text)
    if rng.random() < 0.45:
        rate = rng.choice([0.03, 0.06, 0.1])
        text = " ".join(
            misspell(word, rng) if rng.random() < rate else word for word in text.split(" ")
        )
    return text


def pick_codes(rng: random.Random, topical: list, weights: list[float]) -> list:
    n_codes = rng.choices([1, 2, 3, 4], weights=[0.5, 0.32, 0.14, 0.04])[0]
    chosen: list = []
    while len(chosen) < n_codes:
        code = rng.choices(topical, weights=weights)[0]
        # One opinion per answer: a resident is for or against, not both.
        opinions = {"favorable", "defavorable"}
        if code in chosen or (code[0] in opinions and any(c[0] in opinions for c in chosen)):
            continue
        chosen.append(code)
    return chosen


def answer(rng: random.Random, topical: list, weights: list[float], none) -> tuple[str, list]:
    if rng.random() < none[2] / (N_ANSWERS * 1.0):
        text = expand(rng.choice(none[3]), rng)
        if rng.random() < 0.3:
            text = expand(rng.choice(CONTEXT), rng) + ". " + text
        return style(text, rng), [none[0]]
    chosen = pick_codes(rng, topical, weights)
    parts = [expand(rng.choice(code[3]), rng) for code in chosen]
    if rng.random() < 0.15:
        k = rng.randrange(len(parts))
        parts[k] = rng.choice(ASIDES) + " " + parts[k]
    text = rng.choice(OPENERS)
    if rng.random() < 0.25:
        text += expand(rng.choice(CONTEXT), rng) + ". "
    text += parts[0]
    for part in parts[1:]:
        text += rng.choice(CONNECTORS) + part
    if rng.random() < 0.12:
        for ramble in rng.sample(RAMBLES, rng.choice([1, 2, 3])):
            text += ". " + expand(ramble, rng)
    text += rng.choice(CLOSERS)
    text = text[0].upper() + text[1:]
    codes = [code[0] for code in chosen]
    # What a second coder would have done differently.
    if len(codes) > 1 and rng.random() < 0.065:
        codes.pop(rng.randrange(len(codes)))
    if rng.random() < 0.04:
        neighbours = [NEIGHBOURS[c] for c in codes if c in NEIGHBOURS]
        if neighbours:
            extra = rng.choice(neighbours)
            if extra not in codes:
                codes.append(extra)
    return style(text, rng), codes


def main() -> None:
    rng = random.Random(SEED)
    none = next(code for code in CODES if code[0] == NONE)
    topical = [code for code in CODES if code[0] != NONE]
    weights = [code[2] for code in topical]
    rows, seen = [], set()
    while len(rows) < N_ANSWERS:
        text, codes = answer(rng, topical, weights, none)
        if text in seen:
            continue
        seen.add(text)
        rows.append({"id": f"v{len(rows) + 1:03d}", "text": text, "codes": "|".join(codes)})
    with (HERE / "voie_verte_answers.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, ["id", "text", "codes"])
        writer.writeheader()
        writer.writerows(rows)
    codebook = {
        "format": 1,
        "name": "Consultation : voie verte bourg–collège et réaménagement du centre-bourg",
        "codes": [{"id": code_id, "name": name} for code_id, name, _n, _phrasings in CODES],
    }
    (HERE / "voie_verte_codebook.json").write_text(
        json.dumps(codebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()

// The two fixed documents DSP0266 requires of every Redfish service: the OData service document
// (/redfish/v1/odata) and the CSDL metadata document (/redfish/v1/$metadata). The lab's resources never change
// shape, so both are constants.

const TOP_LEVEL: [string, string][] = [
  ['Systems', '/redfish/v1/Systems'],
  ['Chassis', '/redfish/v1/Chassis'],
  ['Managers', '/redfish/v1/Managers'],
  ['SessionService', '/redfish/v1/SessionService'],
  ['Sessions', '/redfish/v1/SessionService/Sessions'],
  ['TaskService', '/redfish/v1/TaskService'],
];

export const ODATA_SERVICE_DOCUMENT = JSON.stringify({
  '@odata.context': '/redfish/v1/$metadata',
  value: [
    { name: 'Service', kind: 'Singleton', url: '/redfish/v1/' },
    ...TOP_LEVEL.map(([name, url]) => ({ name, kind: 'Singleton', url })),
  ],
});

// Namespace → the schema versions the lab's @odata.type values name.
const SCHEMAS: [string, string[]][] = [
  ['ServiceRoot', ['v1_5_0']],
  ['ComputerSystemCollection', []],
  ['ComputerSystem', ['v1_10_0']],
  ['ManagerCollection', []],
  ['Manager', ['v1_5_0']],
  ['ChassisCollection', []],
  ['Chassis', ['v1_10_0']],
  ['SessionService', ['v1_1_4']],
  ['SessionCollection', []],
  ['Session', ['v1_1_0']],
  ['TaskService', ['v1_1_3']],
  ['TaskCollection', []],
  ['Task', ['v1_4_3']],
  ['EthernetInterfaceCollection', []],
  ['EthernetInterface', ['v1_5_1']],
  ['ProcessorCollection', []],
  ['Processor', ['v1_7_0']],
  ['MemoryCollection', []],
  ['Memory', ['v1_7_0']],
  ['SimpleStorageCollection', []],
  ['SimpleStorage', ['v1_2_0']],
  ['StorageCollection', []],
  ['Storage', ['v1_7_0']],
  ['DriveCollection', []],
  ['Drive', ['v1_7_0']],
  ['Bios', ['v1_1_0']],
  ['Settings', ['v1_3_0']],
  ['VirtualMediaCollection', []],
  ['VirtualMedia', ['v1_3_0']],
  ['Message', ['v1_1_1']],
];

export const METADATA_DOCUMENT = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
  ...SCHEMAS.map(([ns, versions]) => [
    `  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/${ns}_v1.xml">`,
    `    <edmx:Include Namespace="${ns}"/>`,
    ...versions.map((v) => `    <edmx:Include Namespace="${ns}.${v}"/>`),
    '  </edmx:Reference>',
  ].join('\n')),
  '  <edmx:DataServices>',
  '    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">',
  '      <EntityContainer Name="Service" Extends="ServiceRoot.v1_5_0.ServiceContainer"/>',
  '    </Schema>',
  '  </edmx:DataServices>',
  '</edmx:Edmx>',
  '',
].join('\n');
